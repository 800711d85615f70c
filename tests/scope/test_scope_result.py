"""compute_scope on a hand-made history: which analogues count, overrun, the guess, no-data."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.scoping.result import compute_scope
from estimating import Knobs


@dataclass
class Project:
    id: str
    title: str
    estimated_hours: float | None
    actual_hours: float | None
    type: str = "other"
    tags: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    lessons: list[str] = field(default_factory=list)


A = Project("a", "Alpha shop", 100, 130, phases={"design": 20, "build": 80}, lessons=["Late copy"])
B = Project("b", "Beta shop", 50, 65, phases={"design": 10, "build": 30, "qa": 10})
C = Project("c", "Gamma shop", 200, 260)
D = Project("d", "Delta report", 100, 100)
E = Project("e", "Epsilon", None, 40)  # no estimate: history, not overrun
CLOSED = [A, B, C, D, E]
PARAMS = Knobs(k=8, min_similarity=0.25)


def _scope(matches, guess=None):
    return compute_scope(
        "online shop",
        CLOSED,
        matches,
        params=PARAMS,
        rate=100,
        currency="USD",
        guess_hours=guess,
    )


def test_analogues_above_the_floor_drive_the_estimate():
    result = _scope([(A, 0.9), (B, 0.6), (C, 0.3), (D, 0.1)])
    assert result.has_estimate
    assert [a.id for a in result.analogues] == ["a", "b", "c"]
    assert [c.id for c in result.candidates] == ["a", "b", "c", "d"]
    assert result.n_closed == 5
    est = result.estimate
    assert est is not None and est.n_analogues == 3
    assert est.p10 <= est.p50 <= est.p90
    facts = result.facts()
    assert facts["price"]["p50"] == est.p50 * 100
    assert [p["name"] for p in facts["phases"]] == ["build", "design", "qa"]
    assert facts["risks"] == [{"text": "Late copy", "project_ids": ["a"]}]


def test_overrun_overall_and_for_similar_projects():
    result = _scope([(A, 0.9), (B, 0.6), (C, 0.3)])
    # Ratios a, b, c = 1.3; d = 1.0; e has no estimate. Mid-distribution median: 1.0 sits at
    # 0.5/4 = 0.125 and 1.3 (weight 3) at (4 - 1.5)/4 = 0.625, so q=0.5 gives 1.0 + 0.3 * 0.75.
    assert result.overrun_all is not None
    assert (result.overrun_all.n, round(result.overrun_all.ratio, 9)) == (4, 1.225)
    assert round(result.overrun_all.p10, 9) == 1.0
    assert result.overrun_similar is not None
    assert result.overrun_similar.n == 3 and round(result.overrun_similar.ratio, 9) == 1.3


def test_a_guess_is_scaled_by_the_similar_ratio():
    result = _scope([(A, 0.9), (B, 0.6), (C, 0.3)], guess=60)
    assert result.guess is not None and result.guess.basis == "similar"
    # Similar shops with similar guesses all took 1.3x their estimate: 60 h x 1.3.
    assert round(result.guess.likely_hours, 9) == 78.0
    assert result.guess.low_hours <= 78.0 <= result.guess.high_hours
    assert result.guess.position in {"below", "within", "above"}
    facts = result.facts()["guess"]
    assert facts["likely_hours"] == result.guess.likely_hours
    assert facts["history_low_hours"] <= facts["history_high_hours"]


def test_a_guess_with_few_similar_pairs_uses_all_projects():
    result = _scope([(A, 0.9), (E, 0.8)], guess=100)
    assert result.guess is not None and result.guess.basis == "all"
    # Both projects guessed at 100 h (a: 1.3x, d: 1.0x) weigh in: between the two outcomes.
    assert 100.0 <= result.guess.likely_hours <= 130.0


def test_no_analogue_above_the_floor_means_no_numbers():
    result = _scope([(D, 0.2), (A, 0.1)], guess=50)
    assert not result.has_estimate and result.estimate is None
    facts = result.facts()
    assert facts["estimate"] is None and facts["price"] is None and facts["phases"] == []
    assert facts["closest"]["id"] == "d"
    assert facts["questions"]  # still asks


def test_projects_without_actual_hours_are_not_analogues():
    open_ended = Project("x", "Unfinished", 80, None)
    result = _scope([(open_ended, 0.95), (A, 0.5)])
    assert [a.id for a in result.analogues] == ["a"]


def test_a_band_too_wide_to_quote_says_so_and_points_at_the_questions():
    from bot.scoping.reply import summary_draft
    from tests.scope.trace import untraceable

    # Similar projects whose hours scatter from 5 h to 900 h: honest, useless as a quote.
    scattered = [Project(f"s{i}", f"Shop {i}", None, h) for i, h in enumerate((5, 40, 150, 900))]
    result = compute_scope(
        "online shop",
        scattered,
        [(p, 0.8) for p in scattered],
        params=PARAMS,
        rate=100,
        currency="USD",
    )
    assert result.estimate is not None and result.estimate.wide
    facts = result.facts()
    assert facts["estimate"]["wide"] is True and facts["estimate"]["spread"] > 8
    text = summary_draft(result)
    assert "too wide to quote" in text
    assert untraceable(text, facts) == []
    tight = _scope([(A, 0.9), (B, 0.6), (C, 0.3)])
    assert tight.estimate is not None and not tight.estimate.wide
    assert "too wide" not in summary_draft(tight)
