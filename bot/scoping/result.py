"""From past projects to a scope answer: the numbers, and the facts every sentence cites.

Pure: the caller has already fetched the tenant's closed projects and the matches for the brief.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from bot.scoping.engine import build_engine
from bot.scoping.phases import Phase, phase_breakdown
from bot.scoping.questions import Question, open_questions
from bot.scoping.risks import Risk, top_risks
from estimating import WIDE, Engine, Estimate, Knobs, Query, overrun
from estimating import RatioStats as OverrunStats

RANGE_COVERAGE = 0.8  # the P10–P90 band
MIN_SIMILAR_FOR_OWN_RATIO = 3  # fewer similar estimate/actual pairs: use the overall ratio


class ProjectLike(Protocol):
    """What scoping reads of a past project (``knowledge.models.PastProject``)."""

    id: str
    title: str
    type: str
    tags: list[str]
    estimated_hours: float | None
    actual_hours: float | None
    phases: dict[str, float]
    lessons: list[str]


@dataclass(frozen=True)
class AnalogueRow:
    """A similar past project as the reply shows it."""

    id: str
    title: str
    actual_hours: float
    estimated_hours: float | None
    similarity: float
    used: bool  # counted in the estimate (above the similarity floor, within k)

    @property
    def overrun_ratio(self) -> float | None:
        if self.estimated_hours and self.estimated_hours > 0:
            return self.actual_hours / self.estimated_hours
        return None


@dataclass(frozen=True)
class GuessCheck:
    """The user's own guess combined with the history: what guesses like it turned into.

    ``estimate`` is the engine's guess-plus-history estimate (actual/guess ratios of similar
    work with similar guesses, blended with the history-only point, and a band calibrated on
    the tenant's own held-out guesses); ``None`` when no past project has both an estimate and
    an actual. ``ratio`` is the plain overrun record the sentence quotes.
    """

    guess_hours: float
    ratio: OverrunStats | None  # None: no history of estimates to calibrate with
    basis: str  # "similar" or "all"
    estimate: Estimate | None = None

    @property
    def likely_hours(self) -> float | None:
        if self.estimate is not None:
            return self.estimate.point
        return self.guess_hours * self.ratio.ratio if self.ratio else None

    @property
    def low_hours(self) -> float | None:
        if self.estimate is not None:
            return self.estimate.p10
        return self.guess_hours * self.ratio.p10 if self.ratio else None

    @property
    def high_hours(self) -> float | None:
        if self.estimate is not None:
            return self.estimate.p90
        return self.guess_hours * self.ratio.p90 if self.ratio else None

    @property
    def position(self) -> str | None:
        """"below", "within" or "above" the history-only range (``None`` without one)."""
        return self.estimate.guess_position if self.estimate is not None else None


@dataclass(frozen=True)
class ScopeResult:
    brief: str
    rate: float
    currency: str
    n_closed: int  # the tenant's closed projects with actual hours
    min_similarity: float
    analogues: tuple[AnalogueRow, ...]  # used by the estimate, closest first
    candidates: tuple[AnalogueRow, ...]  # every match, closest first ("show more")
    # The answer's estimate: with the user's guess combined in when there is one (the better of
    # the two on every hours history: bench/README.md), else from the history alone.
    estimate: Estimate | None
    overrun_all: OverrunStats | None
    overrun_similar: OverrunStats | None
    guess: GuessCheck | None
    phases: tuple[Phase, ...]
    risks: tuple[Risk, ...]
    questions: tuple[Question, ...]
    filters: dict[str, Any] = field(default_factory=dict)
    band_calibrated_on: int = 0  # closed projects the P10–P90 band was calibrated on (0: default)
    # How much the analogues grew through change requests (a sentence; not a fact: the
    # composer never restates it), when the caller worked it out.
    growth: str | None = None
    # The history-only estimate, when ``estimate`` combines a guess (the reply says where
    # the guess sits against it).
    history_estimate: Estimate | None = None

    @property
    def has_estimate(self) -> bool:
        """True only when real analogues back the numbers (never a tenant-wide guess)."""
        return self.estimate is not None and self.estimate.n_analogues > 0

    def price(self, hours: float) -> float:
        return hours * self.rate

    def facts(self) -> dict[str, Any]:
        """Every figure the reply may show, JSON-serialisable (composer, CLI ``--json``)."""
        est = self.estimate if self.has_estimate else None
        facts: dict[str, Any] = {
            "brief": self.brief,
            "rate": self.rate,
            "currency": self.currency,
            "closed_projects": self.n_closed,
            "min_similarity": self.min_similarity,
            "range_coverage": RANGE_COVERAGE,
            "band_calibrated_on": self.band_calibrated_on,
            "wide_above": WIDE,
            "filters": dict(self.filters),
            "has_estimate": est is not None,
            "estimate": None,
            "price": None,
            # rank: the row number the table and the chart's bars show (1 = closest)
            "analogues": [{**_row(a), "rank": n} for n, a in enumerate(self.analogues, start=1)],
            "closest": _row(self.candidates[0]) if self.candidates else None,
            "overrun_all": _ratio(self.overrun_all),
            "overrun_similar": _ratio(self.overrun_similar),
            "guess": None,
            "history_estimate": None,
            "phases": [
                {"name": p.name, "share": p.share, "hours": p.hours, "projects": p.sources}
                for p in self.phases
            ],
            "risks": [{"text": r.text, "project_ids": list(r.source_ids)} for r in self.risks],
            "questions": [{"topic": q.topic, "text": q.text} for q in self.questions],
        }
        if est is not None:
            facts["estimate"] = {
                "p10_hours": est.p10,
                "p50_hours": est.p50,
                "p90_hours": est.p90,
                "point_hours": est.point,
                "confidence": est.confidence,
                "analogues": est.n_analogues,
                "mean_similarity": est.mean_similarity,
                "shrinkage": est.shrinkage,
                "method": est.method,
                "spread": est.spread if est.p10 > 0 else None,
                "wide": est.wide,
            }
            facts["price"] = {
                "p10": self.price(est.p10),
                "p50": self.price(est.p50),
                "p90": self.price(est.p90),
            }
        if est is not None and self.history_estimate is not None:
            history = self.history_estimate
            facts["history_estimate"] = {
                "p10_hours": history.p10,
                "p50_hours": history.p50,
                "p90_hours": history.p90,
            }
        if self.guess is not None:
            facts["guess"] = {
                "hours": self.guess.guess_hours,
                "basis": self.guess.basis,
                "likely_hours": self.guess.likely_hours,
                "low_hours": self.guess.low_hours,
                "high_hours": self.guess.high_hours,
                "ratio": _ratio(self.guess.ratio),
                "position": self.guess.position,
                "history_low_hours": (
                    self.guess.estimate.history_p10 if self.guess.estimate else None
                ),
                "history_high_hours": (
                    self.guess.estimate.history_p90 if self.guess.estimate else None
                ),
            }
        return facts


def _row(row: AnalogueRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "actual_hours": row.actual_hours,
        "estimated_hours": row.estimated_hours,
        "overrun_ratio": row.overrun_ratio,
        "similarity": row.similarity,
        "used": row.used,
    }


def _ratio(stats: OverrunStats | None) -> dict[str, float] | None:
    if stats is None:
        return None
    return {"ratio": stats.ratio, "p10": stats.p10, "p90": stats.p90, "projects": stats.n}


def _has_actual(project: ProjectLike) -> bool:
    return project.actual_hours is not None and project.actual_hours >= 0


@dataclass(frozen=True)
class HistoryFacts:
    """What the answer reads of *all* closed projects; the same for every brief of a tenant.

    Worth keeping with the cached history: at 10k projects, walking them per brief cost more
    than the search itself.
    """

    actual_hours: tuple[float, ...]  # closed projects with actual hours (the tenant's spread)
    overrun_all: OverrunStats | None  # actual/estimate over every project that has both


def history_facts(closed: Sequence[ProjectLike]) -> HistoryFacts:
    """Summarise the tenant's closed projects once (see :class:`HistoryFacts`)."""
    return HistoryFacts(
        # _has_actual and _paired check for None; a predicate does not narrow for mypy.
        actual_hours=tuple(float(p.actual_hours) for p in closed if _has_actual(p)),  # type: ignore[arg-type]
        overrun_all=overrun(
            [(float(p.estimated_hours), float(p.actual_hours)) for p in closed if _paired(p)]  # type: ignore[arg-type]
        ),
    )


def compute_scope(
    brief: str,
    closed: Sequence[ProjectLike],
    matches: Sequence[tuple[ProjectLike, float]],
    *,
    params: Knobs,
    rate: float,
    currency: str,
    guess_hours: float | None = None,
    filters: dict[str, Any] | None = None,
    calibrated_on: int = 0,
    summary: HistoryFacts | None = None,
    engine: Engine | None = None,
    with_questions: bool = True,
) -> ScopeResult:
    """Everything `/scope` says about ``brief``.

    ``closed`` are the tenant's closed projects (the history); ``matches`` the search results
    for the brief as (project, similarity), closest first: they are the estimate's semantic
    similarities and, with ``filters``, the only projects it may use as analogues. ``engine``
    is the tenant's engine (``bot.scoping.calibration``: tuned, band calibrated on
    ``calibrated_on`` of its projects); without one, an untuned engine over ``closed`` with
    ``params`` is built. ``summary``: :func:`history_facts` of ``closed`` when the caller keeps
    it (else computed). ``with_questions=False`` leaves the generic questions out, for a
    caller that asks its own (from the analogues' retros) instead.
    """
    summary = summary if summary is not None else history_facts(closed)
    ranked = sorted(((p, float(s)) for p, s in matches if _has_actual(p)), key=lambda m: -m[1])
    if engine is None and summary.actual_hours:
        engine = build_engine(closed, params)[0]
    result: Estimate | None = None
    guess_estimate: Estimate | None = None
    if engine is not None:
        filters_used = dict(filters or {})
        query = Query(
            text=brief,
            type=str(filters_used.get("type") or ""),
            tags=tuple(filters_used.get("tags") or ()),
            semantic={p.id: s for p, s in ranked},
            allowed=frozenset(p.id for p, _ in ranked) if filters_used else None,
        )
        queries = [query]
        wants_guess = guess_hours is not None and guess_hours > 0
        if wants_guess and engine.history.has_guesses:
            queries.append(replace(query, guess=guess_hours))
        found = engine.estimate_many(queries)
        result = found[0]
        guess_estimate = found[1] if len(found) > 1 else None
    if result is not None and calibrated_on > 0:
        method = f"{result.method}; band calibrated on {calibrated_on} of your projects"
        result = replace(result, method=method)
    used_ids = {i for i, _ in result.analogues} if result and result.n_analogues else set()

    candidates = tuple(
        AnalogueRow(
            id=p.id,
            title=p.title,
            # Only projects with actual hours are compared (see _has_actual).
            actual_hours=float(p.actual_hours),  # type: ignore[arg-type]
            estimated_hours=float(p.estimated_hours) if p.estimated_hours else None,
            similarity=s,
            used=p.id in used_ids,
        )
        for p, s in ranked
    )
    analogues = tuple(row for row in candidates if row.used)
    used_projects = [(p, s) for p, s in ranked if p.id in used_ids]

    overrun_all = summary.overrun_all
    similar_pairs = [(p, s) for p, s in used_projects if _paired(p)]
    overrun_similar = (
        overrun(
            # similar_pairs holds only projects with both figures (see _paired).
            [(float(p.estimated_hours), float(p.actual_hours)) for p, _ in similar_pairs],  # type: ignore[arg-type]
            [s for _, s in similar_pairs],
        )
        if similar_pairs
        else None
    )

    guess = None
    if guess_hours is not None and guess_hours > 0:
        if overrun_similar is not None and overrun_similar.n >= MIN_SIMILAR_FOR_OWN_RATIO:
            guess = GuessCheck(guess_hours, overrun_similar, "similar", guess_estimate)
        else:
            guess = GuessCheck(guess_hours, overrun_all, "all", guess_estimate)

    # With a guess the engine could combine, that is the answer; the history's own stays
    # beside it for the comparison.
    answer = result
    if result is not None and guess_estimate is not None:
        answer = replace(guess_estimate, method=f"{guess_estimate.method}; with your guess")
    phases: list[Phase] = []
    risks: list[Risk] = []
    if analogues and answer is not None:
        phases = phase_breakdown([(p.phases or {}, s) for p, s in used_projects], answer.p50)
        risks = top_risks([(p.id, p.lessons or [], s) for p, s in used_projects])

    return ScopeResult(
        brief=brief,
        rate=rate,
        currency=currency,
        n_closed=len(summary.actual_hours),
        min_similarity=params.min_similarity,
        analogues=analogues,
        candidates=candidates,
        estimate=answer if analogues else None,
        history_estimate=result if analogues and answer is not result else None,
        overrun_all=overrun_all,
        overrun_similar=overrun_similar if analogues else None,
        guess=guess,
        phases=tuple(phases),
        risks=tuple(risks),
        questions=tuple(open_questions(brief)) if with_questions else (),
        filters=dict(filters or {}),
        band_calibrated_on=calibrated_on,
    )


def _paired(project: ProjectLike) -> bool:
    return (
        project.estimated_hours is not None and project.estimated_hours > 0 and _has_actual(project)
    )
