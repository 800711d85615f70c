"""The wide band for a vague brief and the labels around it, on hand-made results."""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import Heading, Paragraph, Reply
from bot.scoping.clarify import asked_before, follows_up, labelled_wide, questions_first, widened
from bot.scoping.questions import Question
from bot.scoping.vagueness import assess


@dataclass(frozen=True)
class Band:
    p10: float
    p50: float
    p90: float
    confidence: str = "medium"
    method: str = "analogues"


@dataclass(frozen=True)
class Row:
    actual_hours: float
    similarity: float


@dataclass(frozen=True)
class Result:
    estimate: Band | None
    candidates: tuple[Row, ...]
    min_similarity: float = 0.25


def _rows(*hours: float, similarity: float = 0.4) -> tuple[Row, ...]:
    return tuple(Row(h, similarity) for h in hours)


def test_a_narrow_band_is_stretched_to_the_closest_projects_spread() -> None:
    result = Result(Band(88, 100, 118), _rows(20, 25, 40, 60, 90, 140, 160, 180))
    wide = widened(result).estimate  # type: ignore[arg-type]  # a Result stands in for a ScopeResult
    assert wide is not None
    assert wide.p50 == 100  # the point stays the engine's
    assert wide.p10 < 30 and wide.p90 > 160
    assert wide.confidence == "low" and "widened to the spread of the 8" in wide.method


def test_a_band_already_wider_and_too_few_projects_stay_as_they_are() -> None:
    already = Result(Band(10, 100, 400), _rows(20, 40, 60, 90, 140))
    assert widened(already) is already  # type: ignore[arg-type]
    few = Result(Band(88, 100, 118), _rows(20, 200))
    assert widened(few) is few  # type: ignore[arg-type]
    below_floor = Result(Band(88, 100, 118), _rows(5, 20, 300, 500, similarity=0.1))
    assert widened(below_floor) is below_floor  # type: ignore[arg-type]
    assert widened(Result(None, _rows(1, 2, 3))).estimate is None  # type: ignore[arg-type]


def test_labels_and_the_questions_first_reply() -> None:
    reply = Reply(blocks=(Heading(text="Scope estimate"), Paragraph(text="≈ 100 h")))
    labelled = labelled_wide(reply, "a website")
    assert labelled.blocks[0] == Heading(text="Scope estimate — wide band (vague brief)")
    assert "Wide band, not a quote." in labelled.text and "“a website”" in labelled.text

    asked = questions_first(
        "a logo", assess("a logo"), [Question("budget", "Is there a budget?")], past_projects=0
    )
    text = asked.text
    assert "too vague to size" in text and "- Is there a budget?" in text
    assert "deliverables" in text  # the identity wording of what to tell
    assert "/projects import" in text and "≈" not in text


def test_asked_before_and_follow_ups() -> None:
    earlier = ["a website", "an app"]
    assert asked_before("A website!", earlier)
    assert not asked_before("a logo", earlier)
    assert follows_up("a website for a florist", earlier)
    assert not follows_up("a logo for a florist", earlier)
