"""Every tone of the offline client update, through both composers.

The offline composer sends each tone's draft as written; the LLM composer accepts a model that
keeps a tone's draft word for word (no false alarm on any tone) and rejects one that adds a
figure to it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.compose import Composition, OfflineComposer
from bot.llm_composer import LLMComposer
from bot.update_text import TONES, EntryLine, ProjectFigures, build_update
from tests.compose.fakes import RecordingModel, quoted_block

FIGURES = ProjectFigures(
    name="Bloom storefront",
    client="Acme Bakery",
    hours_used=42.5,
    estimate_hours=120.0,
    budget=12000.0,
    rate=100.0,
    currency="USD",
    start_date=dt.date(2026, 11, 1),
    due_date=dt.date(2026, 12, 20),
    today=dt.date(2026, 12, 1),
)
ENTRIES = [
    EntryLine(1, "done", "done: checkout flow with Stripe, 2h30", 2.5),
    EntryLine(2, "next", "next: product pages"),
    EntryLine(3, "question", "Q: which photos go on the home page?"),
    EntryLine(4, "blocker", "blocker: waiting for the shipping rates"),
]


def _composition(tone: str) -> Composition:
    draft = build_update(FIGURES, ENTRIES, tone)  # type: ignore[arg-type]
    return Composition("client_update", "T1", draft.client_text, draft.facts, tone=tone)


@pytest.mark.parametrize("tone", TONES)
async def test_offline_sends_each_tone_as_written(tone):
    composition = _composition(tone)
    text = await OfflineComposer().compose(composition)
    assert text == composition.draft
    assert "42.5" in text and "120" in text
    assert "Product pages" in text and "20 Dec 2026" in text


def test_the_tones_read_differently():
    texts = {tone: _composition(tone).draft for tone in TONES}
    assert len(set(texts.values())) == len(TONES)


@pytest.mark.parametrize("tone", TONES)
async def test_llm_accepts_each_tone_kept_faithfully(tone):
    composition = _composition(tone)
    model = RecordingModel(respond=lambda prompt: quoted_block(prompt, "draft"))
    assert await LLMComposer(model).compose(composition) == composition.draft
    assert f"Tone: {tone}" in model.prompts[0]


@pytest.mark.parametrize("tone", TONES)
async def test_llm_rejects_each_tone_with_an_added_figure(tone):
    composition = _composition(tone)
    model = RecordingModel(respond=lambda prompt: quoted_block(prompt, "draft") + " Only 3 left!")
    assert await LLMComposer(model).compose(composition) == composition.draft
