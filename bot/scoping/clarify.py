"""When a brief is too vague to size: the questions first, then a wide band, labelled.

The first time someone asks for "a website", the answer is the questions that decide its size
and no number. Asked again shortly after (same person, same workspace), or given a little
more detail, the answer is the estimate with a label saying how loose it is. The "asked
before" record is a row of the saved scope answers (``ScopeRun``) whose id starts with
``ask-`` and whose hours are zero: no schema change, and buttons never point at it (they only
carry ``est-`` ids).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from bot.messages import Block, Heading, Paragraph, Reply
from bot.scoping import wording as w
from bot.scoping.kinds import IDENTITY, brief_kinds
from bot.scoping.questions import Question
from bot.scoping.vagueness import Vagueness, adds_detail, same_request
from bot.state import ScopeRun

ASK_PREFIX = "ask-"
ASKED_WITHIN = dt.timedelta(minutes=30)  # "asked again" means shortly after
RECENT_ASKS = 10  # the latest vague asks of a person that are compared with a new brief
BRIEF_SHOWN = 300


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


async def recent_vague_asks(session: Any, tenant: str, user_id: str, now: dt.datetime) -> list[str]:
    """The briefs this person asked about, too vague to size, in the last ``ASKED_WITHIN``."""
    rows = await session.execute(
        select(ScopeRun.brief, ScopeRun.created_at)
        .where(
            ScopeRun.tenant == tenant,
            ScopeRun.user_id == user_id,
            ScopeRun.id.startswith(ASK_PREFIX),
        )
        .order_by(ScopeRun.created_at.desc())
        .limit(RECENT_ASKS)
    )
    since = _aware(now) - ASKED_WITHIN
    return [brief for brief, created in rows if created is None or _aware(created) >= since]


def remember_vague_ask(
    session: Any, tenant: str, user_id: str, brief: str, now: dt.datetime
) -> None:
    """Note that ``brief`` got questions instead of a number (in the caller's transaction)."""
    session.add(
        ScopeRun(
            id=ASK_PREFIX + uuid.uuid4().hex[:8],
            tenant=tenant,
            user_id=user_id,
            brief=brief,
            p10_hours=0.0,
            p50_hours=0.0,
            p90_hours=0.0,
            rate=0.0,
            currency="",
            analogue_ids=[],
            shown=0,
            created_at=now,
        )
    )


def asked_before(brief: str, earlier: Sequence[str]) -> bool:
    """Whether ``brief`` repeats one of the ``earlier`` vague asks."""
    return any(same_request(before, brief) for before in earlier)


def follows_up(brief: str, earlier: Sequence[str]) -> bool:
    """Whether ``brief`` repeats an earlier vague ask with a little more detail."""
    return any(adds_detail(before, brief) for before in earlier)


def _more(brief: str) -> str:
    if brief_kinds(brief) == {IDENTITY}:
        return "who it is for, which deliverables, where it will be used: screen, print, packaging"
    return "what it is for, the main features, the platform, how much content"


def questions_first(brief: str, vagueness: Vagueness, questions: Sequence[Question]) -> Reply:
    """The answer to a brief too vague to size: why, and the questions. No number at all."""
    shown = w.safe(brief, BRIEF_SHOWN)
    blocks: list[Block] = [
        Heading(text="Scope: a few questions first"),
        Paragraph(text=f"_Brief:_ {shown}"),
        Paragraph(
            text=f"“{shown}” is too vague to size: {vagueness.reason}. Any number now would "
            f"be a guess, so here is what decides the size. Tell me more ({_more(brief)}) and "
            "I'll estimate it; ask again as it is and you get a deliberately wide range."
        ),
    ]
    if questions:
        blocks.append(
            Paragraph(
                text="**Questions to ask the client**\n"
                + "\n".join(f"- {question.text}" for question in questions)
            )
        )
    return Reply(blocks=tuple(blocks))


def wide_band_label(brief: str) -> Paragraph:
    shown = w.safe(brief, BRIEF_SHOWN)
    return Paragraph(
        text=f"**Wide band, not a quote.** “{shown}” says too little to size precisely, so "
        "this range spans the past projects it could be. The questions below are what "
        "would narrow it."
    )


def labelled_wide(reply: Reply, brief: str) -> Reply:
    """``reply`` (a scope estimate) with its heading and a first paragraph saying it is wide."""
    blocks = list(reply.blocks)
    label = wide_band_label(brief)
    if blocks and isinstance(blocks[0], Heading):
        blocks[0] = Heading(text=f"{blocks[0].text} — wide band (vague brief)")
        blocks.insert(1, label)
    else:
        blocks.insert(0, label)
    return reply.model_copy(update={"blocks": tuple(blocks)})


__all__ = [
    "ASKED_WITHIN",
    "asked_before",
    "follows_up",
    "labelled_wide",
    "questions_first",
    "recent_vague_asks",
    "remember_vague_ask",
    "wide_band_label",
]
