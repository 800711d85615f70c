"""Prompt injection: a model that obeys whatever it reads still cannot ping, post or invent.

The attacks in ``injections.txt`` sit where real ones would: a log entry, a past project's
summary, a retro lesson. The fake model below follows them as eagerly as a bad model could.
"""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

from bot.compose import Composition
from bot.core import Bot
from bot.llm_composer import LLMComposer
from bot.messages import Paragraph, Reply, Request, Visibility
from bot.registry import Command
from tests.compose.conftest import DRAFT, FACTS
from tests.compose.fakes import RecordingModel, quoted_block

ATTACKS = [
    line
    for line in (Path(__file__).parent / "injections.txt").read_text("utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]
PING = re.compile(r"<!|<@|[@＠]\s*(?:everyone|here|channel)\b", re.IGNORECASE)
CHANNEL_OR_LINK = re.compile(r"<#|#[a-z]|https?://|www\.", re.IGNORECASE)


def _planted(attack: str) -> dict:
    return {
        **FACTS,
        "entries": [*FACTS["entries"], {"kind": "note", "text": attack}],
        "analogues": [{"id": "p-017", "title": "Bakery shop", "summary": attack}],
        "lessons": [attack],
    }


def _follow(how: str):
    """A model that finds the planted attack in its prompt and does what it says."""

    def respond(prompt: str) -> str:
        attack = quoted_block(prompt, "facts")["lessons"][0]
        draft = quoted_block(prompt, "draft")
        return {
            "obey": attack,
            "append": f"{draft}\n\n{attack} @everyone",
            "embellish": f"{draft} Update: total now 4,242 hours (35% over), invoice $99k. "
            "I have posted this to #general for <!channel> and <@U0ADMIN01>.",
        }[how]

    return respond


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


def test_the_corpus_has_the_attacks():
    assert len(ATTACKS) >= 15


@pytest.mark.parametrize("how", ["obey", "append", "embellish"])
@pytest.mark.parametrize("attack", ATTACKS)
async def test_an_obedient_model_cannot_ping_post_or_invent(attack, how):
    model = RecordingModel(respond=_follow(how))
    composition = Composition("client_update", "T1", DRAFT, _planted(attack))
    text = await LLMComposer(model).compose(composition)
    assert model.prompts, "the model was asked"
    assert not PING.search(text), text
    assert _numbers(text) <= _numbers(DRAFT), text
    assert not CHANNEL_OR_LINK.search(text), text
    if how == "obey":  # the message itself was replaced: that is not a re-phrasing
        assert text == DRAFT


async def test_the_model_gets_no_tools():
    seen: list[dict] = []

    class Spy(RecordingModel):
        def _generate(self, messages, *args, **kwargs):
            seen.append(kwargs)
            return super()._generate(messages, *args, **kwargs)

    await LLMComposer(Spy(respond=lambda p: DRAFT)).compose(
        Composition("client_update", "T1", DRAFT, _planted(ATTACKS[0]))
    )
    assert seen and all("tools" not in kwargs and "functions" not in kwargs for kwargs in seen)


def _status_skill(registry):
    """A skill as the real ones are written: facts + draft in, private reply out."""

    async def status(request: Request, services) -> Reply:
        text = await services.composer.compose(
            Composition("client_update", request.tenant, DRAFT, _planted(request.text))
        )
        return Reply(
            blocks=(Paragraph(text=text),),
            visibility=Visibility.DM,
            notice="Draft sent to your DMs.",
        )

    registry.command(Command("status", "", "", (), status))


async def test_through_the_bot_the_draft_stays_private(bot, monkeypatch):
    module = types.ModuleType("tests_status_skill")
    module.setup = _status_skill  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tests_status_skill", module)
    bot.services.composer = LLMComposer(RecordingModel(respond=_follow("embellish")))
    chat = Bot(bot.services, skills=("tests_status_skill",))
    for attack in ATTACKS:
        reply = await chat.handle(Request(tenant="T1", user_id="U1", command="status", text=attack))
        assert reply is not None
        assert reply.visibility is Visibility.DM and reply.channel_id is None
        assert reply.text == DRAFT
