"""The LLM composer on the drafts the real skills write: faithful re-phrasings are used,
invented figures are not."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

from structlog.testing import capture_logs

from bot.llm_composer import LLMComposer
from tests.compose.fakes import RecordingModel, quoted_block
from tests.updates.conftest import add_project, clock  # noqa: F401  (fixture)


def _rephrase(prompt: str) -> str:
    """What a decent model does: same facts, other words and formats."""
    text = quoted_block(prompt, "draft")
    text = re.sub(r"(\d+(?:\.\d+)?) h\b", r"\1 hours", text)
    text = text.replace("20 Dec 2026", "December 20, 2026")
    text = text.replace("Here's where", "Here is a quick update on where")
    return text + "\n\nBest regards"


def _invent(prompt: str) -> str:
    return quoted_block(prompt, "draft") + "\nWe expect to finish in 14 days."


async def _update(harness, respond) -> tuple[str, list[MutableMapping[str, Any]]]:
    harness.bot.services.composer = LLMComposer(RecordingModel(respond=respond))
    await add_project(harness, "name=Bloom client=Acme estimate=120 budget=12000 due=2026-12-20")
    await harness.say("/log bloom done: checkout with Stripe 6h")
    await harness.say("/log bloom blocker: waiting for product photos")
    with capture_logs() as logs:
        reply = await harness.say("/update bloom")
    return reply.text, [entry for entry in logs if entry["event"].startswith("llm_")]


async def test_a_faithful_rephrasing_of_a_client_update_is_used(harness, clock):  # noqa: F811
    text, logs = await _update(harness, _rephrase)
    assert "December 20, 2026" in text and "6 hours of 120 hours" in text
    assert "Best regards" in text
    assert [entry["event"] for entry in logs] == ["llm_usage", "llm_composed"]


async def test_an_invented_figure_in_a_client_update_falls_back(harness, clock):  # noqa: F811
    text, logs = await _update(harness, _invent)
    assert "14 days" not in text and "20 Dec 2026" in text
    assert "number '14'" in next(e for e in logs if e["event"] == "llm_fallback")["reason"]


async def test_client_names_stay_out_of_a_real_update_prompt(harness, clock):  # noqa: F811
    model = RecordingModel(respond=lambda prompt: quoted_block(prompt, "draft"))
    harness.bot.services.composer = LLMComposer(model, exclude_client_names=True)
    await add_project(harness, "name=Bloom client=Acme estimate=120 due=2026-12-20")
    await harness.say("/log bloom done: checkout for Acme with Stripe 6h")
    reply = await harness.say("/update bloom")
    (prompt,) = model.prompts
    assert "Acme" not in prompt and "CLIENT_A" in prompt
    assert "Acme" in reply.text and "CLIENT_A" not in reply.text
