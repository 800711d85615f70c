"""`/scope` and `atelier eval FILE` run the same engine on the same features.

A CSV file of past projects (eval FILE: rows embedded with the product's embedder) and the same
projects as a tenant's closed projects (`/scope`: similarities from the search) give the same
point and band for the same brief.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from bot.backtest import read_items, with_embeddings
from bot.scoping.engine import project_text
from bot.scoping.result import compute_scope
from estimating import Engine, History, Knobs, Query

KINDS = {
    "Shopify store with a custom theme": 60.0,
    "Brochure website with a contact form": 20.0,
    "Booking app for a dental practice": 150.0,
    "Brand identity and logo design": 30.0,
}


@dataclass
class Project:
    id: str
    title: str
    summary: str
    estimated_hours: float | None
    actual_hours: float | None
    type: str = ""
    tags: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    lessons: list[str] = field(default_factory=list)


def portfolio() -> list[Project]:
    """Most recently finished first, as the store lists closed projects."""
    projects = []
    for i in range(24):
        title, size = list(KINDS.items())[i % 4]
        actual = size * (1.0 + 0.07 * ((i * 5) % 7 - 3))
        projects.append(Project(f"p{i}", title, f"client {i}", round(actual * 0.8), actual))
    return projects


@pytest.fixture(scope="module")
def embed():
    from knowledge.embeddings import get_embedder

    return get_embedder("local").embed


def test_scope_and_eval_file_give_the_same_estimate(tmp_path: Path, embed) -> None:
    projects = portfolio()
    knobs = Knobs(k=5, min_similarity=0.25, lexical_weight=0.3, prior_strength=0.5)
    brief = "Shopify store with a custom theme for a tea shop"
    # eval FILE: the rows of a CSV file, oldest first, embedded with the product's embedder.
    path = tmp_path / "history.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "hours", "estimate"])
        for project in reversed(projects):
            writer.writerow([project_text(project), project.actual_hours, project.estimated_hours])
    items = with_embeddings(read_items(path, ["text"], "hours", guess="estimate"), embed)
    file_engine = Engine(History(items), knobs)
    from_file = file_engine.estimate(Query(brief, embedding=embed([brief])[0]))

    # /scope: the same projects as closed projects, similarities from the (exact) search.
    vectors = embed([project_text(p) for p in projects])
    similarities = vectors @ embed([brief])[0]
    matches = sorted(zip(projects, similarities.tolist(), strict=True), key=lambda m: -m[1])
    result = compute_scope(brief, projects, matches, params=knobs, rate=100, currency="USD")
    scoped = result.estimate
    assert scoped is not None and result.has_estimate
    assert scoped.point == pytest.approx(from_file.point)
    assert (scoped.p10, scoped.p90) == pytest.approx((from_file.p10, from_file.p90))
    assert scoped.n_analogues == from_file.n_analogues > 0
    # The analogues are the same projects (CSV rows are numbered oldest first).
    by_row = {str(row): p.id for row, p in enumerate(reversed(projects))}
    assert [by_row[i] for i, _ in from_file.analogues] == [a.id for a in result.analogues]
    assert np.isclose(scoped.point, 60.0, rtol=0.25)  # the shops, not the dental app

    # With a guess, both paths run the same guess model.
    guessed = file_engine.estimate(Query(brief, guess=40.0, embedding=embed([brief])[0]))
    with_guess = compute_scope(
        brief, projects, matches, params=knobs, rate=100, currency="USD", guess_hours=40.0
    )
    assert with_guess.guess is not None
    assert with_guess.guess.likely_hours == pytest.approx(guessed.point)
