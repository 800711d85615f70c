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
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Block, Heading, Paragraph, Reply
from bot.scoping import wording as w
from bot.scoping.kinds import IDENTITY, brief_kinds
from bot.scoping.questions import Question
from bot.scoping.vagueness import Vagueness, adds_detail, same_request
from state import ScopeRun

if TYPE_CHECKING:
    from bot.scoping.result import ScopeResult

ASK_PREFIX = "ask-"
ASKED_WITHIN = dt.timedelta(minutes=30)  # "asked again" means shortly after
RECENT_ASKS = 10  # the latest vague asks of a person that are compared with a new brief
BRIEF_SHOWN = 300


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _person_prefix(tenant: str, user_id: str) -> str:
    """ "ask-<person>-": one person's vague asks share this id prefix, so that a range on the
    primary key finds them without reading the workspace's other saved answers."""
    person = hashlib.sha256(f"{tenant}\x00{user_id}".encode()).hexdigest()[:12]
    return f"{ASK_PREFIX}{person}-"


async def recent_vague_asks(
    session: AsyncSession, tenant: str, user_id: str, now: dt.datetime
) -> list[str]:
    """The briefs this person asked about, too vague to size, in the last ``ASKED_WITHIN``."""
    prefix = _person_prefix(tenant, user_id)
    rows = await session.execute(
        select(ScopeRun.brief, ScopeRun.created_at, ScopeRun.tenant, ScopeRun.user_id)
        # Only the id range in SQL: with the tenant in the WHERE clause as well, SQLite picks
        # the tenant index and reads every saved answer of the workspace.
        # The rest of the id is hex, below "g" in any collation (some ignore the "-").
        .where(ScopeRun.id >= prefix, ScopeRun.id < prefix + "g")
        .order_by(ScopeRun.id.desc())  # the ids go on with the time asked: newest first
        .limit(RECENT_ASKS)
    )
    since = _aware(now) - ASKED_WITHIN
    found = [
        (_aware(created), brief)
        for brief, created, row_tenant, row_user in rows
        if row_tenant == tenant and row_user == user_id and _aware(created) >= since
    ]
    return [brief for _, brief in sorted(found, reverse=True)[:RECENT_ASKS]]


def remember_vague_ask(
    session: AsyncSession, tenant: str, user_id: str, brief: str, now: dt.datetime
) -> None:
    """Note that ``brief`` got questions instead of a number (in the caller's transaction)."""
    session.add(
        ScopeRun(
            id=f"{_person_prefix(tenant, user_id)}{int(_aware(now).timestamp()):08x}"
            f"{uuid.uuid4().hex[:4]}",
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


def questions_first(
    brief: str, vagueness: Vagueness, questions: Sequence[Question], past_projects: int = 1
) -> Reply:
    """The answer to a brief too vague to size: why, and the questions. No number at all.

    ``past_projects``: the workspace's closed projects; with none, it also says how to add them.
    """
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
    if past_projects == 0:
        blocks.append(
            Paragraph(
                text="You have no closed past projects yet, so even a detailed brief can't be "
                "sized. Load your history with `/projects import <file>` (CSV, JSON or Markdown)."
            )
        )
    return Reply(blocks=tuple(blocks))


WIDE_FROM = 3  # past projects above the similarity floor needed to widen a band to their spread


def widened(result: ScopeResult) -> ScopeResult:
    """A vague brief's estimate with its band stretched to cover the closest past projects.

    A brief that says little could be any of the projects it resembles, so its 80% range
    must span at least their P10–P90 (the point estimate stays the engine's). Few or no
    candidates: unchanged.
    """
    est = result.estimate
    hours = [a.actual_hours for a in result.candidates if a.similarity >= result.min_similarity]
    if est is None or len(hours) < WIDE_FROM:
        return result
    low, high = (float(v) for v in np.percentile(hours, [10, 90], method="hazen"))
    p10, p90 = min(est.p10, low), max(est.p90, high)
    if p10 >= est.p10 and p90 <= est.p90:
        return result
    method = f"{est.method}; widened to the spread of the {len(hours)} closest past projects"
    wide = replace(est, p10=p10, p90=p90, confidence="low", method=method)
    return replace(result, estimate=wide)


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
    "widened",
]
