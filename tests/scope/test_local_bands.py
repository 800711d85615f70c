"""A workspace's band is local to the job's size: a landing page's band comes from small jobs."""

from __future__ import annotations

import builtins
import math
import random
from dataclasses import dataclass, field

from bot.scoping.calibration import TenantBands
from bot.scoping.history import tenant_history
from bot.scoping.result import compute_scope
from estimating import Knobs
from tests.knowledge.helpers import as_store


@dataclass
class Project:
    id: str
    title: str
    summary: str
    actual_hours: float | None
    estimated_hours: float | None = None
    type: str = "web"
    tags: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    lessons: list[str] = field(default_factory=list)
    status: str = "closed"


class MixedStore:
    """Landing pages (~30 h, within ~20%) and platforms (~500 h, scattered), searched by kind."""

    def __init__(self) -> None:
        rng = random.Random(3)
        self.projects = []
        for i in range(160):
            if i % 2:
                hours = 30.0 * math.exp(rng.gauss(0, 0.15))
                self.projects.append(Project(f"l{i}", "Landing page", f"landing {i}", hours))
            else:
                hours = 500.0 * math.exp(rng.gauss(0, 0.7))
                self.projects.append(Project(f"p{i}", "Platform build", f"platform {i}", hours))

    def count(self, tenant: str) -> int:
        return len(self.projects)

    def list(self, tenant: str, status: str | None = None) -> builtins.list[Project]:
        return list(self.projects)

    def nearest(self, tenant: str, text: str, n: int = 32) -> builtins.list[tuple[str, float]]:
        kind = "Landing" if "landing" in text.lower() else "Platform"
        # Same kind: 0.75-0.95, varying by pair as real searches do; the other kind 0.2.
        scored = [
            (p.id, 0.75 + 0.2 * random.Random(f"{text}|{p.id}").random())
            if p.title.startswith(kind)
            else (p.id, 0.2)
            for p in self.projects
        ]
        return sorted(scored, key=lambda pair: -pair[1])[:n]


def test_a_landing_page_gets_a_band_from_landing_pages() -> None:
    store = MixedStore()
    history = tenant_history(as_store(store), "studio")
    band = TenantBands().get(as_store(store), "studio", history, Knobs(k=8, min_similarity=0.25))
    assert band.projects == 120 and band.engine is not None
    assert len(band.engine.bands["history"].edges) >= 1  # more than one size bucket
    by_id = {p.id: p for p in store.projects}
    brief = "Landing page for a bakery"
    matches = [(by_id[i], s) for i, s in store.nearest("studio", brief, 32)]
    result = compute_scope(
        brief,
        history.closed,
        matches,
        params=band.params,
        rate=100,
        currency="USD",
        engine=band.engine,
        calibrated_on=band.projects,
    )
    est = result.estimate
    assert est is not None
    # Not "20–318 h": the band comes from the landing pages' own errors, nowhere near 500 h.
    assert 10 <= est.p10 < est.point < est.p90 <= 60, (est.p10, est.point, est.p90)
    assert est.p90 / est.p10 < 3 and not est.wide
    platform = compute_scope(
        "Platform build for a bank",
        history.closed,
        [(by_id[i], s) for i, s in store.nearest("studio", "platform build", 32)],
        params=band.params,
        rate=100,
        currency="USD",
        engine=band.engine,
    ).estimate
    assert platform is not None and platform.p90 / platform.p10 > est.p90 / est.p10
