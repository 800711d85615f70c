"""Each tenant's engine: knobs and band tuned on its own closed projects, and its cache."""

from __future__ import annotations

import builtins
import math
import random
from dataclasses import dataclass

from bot.scoping import calibration, engine, history
from bot.scoping.calibration import TenantBands
from bot.scoping.history import HistoryCache, tenant_history
from estimating import Knobs, Query
from tests.conftest import Harness
from tests.knowledge.helpers import as_store


@dataclass
class Project:
    id: str
    title: str
    summary: str
    actual_hours: float | None
    type: str = "web"
    tags: tuple[str, ...] = ()
    status: str = "closed"


@dataclass(frozen=True)
class Hit:
    project: Project
    similarity: float


class PortfolioStore:
    """Two tenants with two kinds of project (shops and blogs), searched by kind.

    At "tight" a kind says how long a project takes (shops ~200 h, blogs ~40 h, within a few
    percent), so similar projects predict well. At "wide" hours are dispersed whatever the
    kind, so the few analogues of an estimate understate how far the outcome may land.
    """

    def __init__(self) -> None:
        rng = random.Random(7)
        self.projects: dict[str, list[Project]] = {"tight": [], "wide": []}
        for i in range(40):
            kind = ("shop", "blog")[i % 2]
            tight = (200.0 if kind == "shop" else 40.0) * math.exp(rng.gauss(0, 0.05))
            wide = 100.0 * math.exp(rng.gauss(0, 0.9))
            for tenant, hours in (("tight", tight), ("wide", wide)):
                self.projects[tenant].append(Project(f"{tenant}-{i}", kind, f"A {kind}", hours))
        self.searches = 0

    def count(self, tenant: str) -> int:
        return len(self.projects.get(tenant, []))

    def list(self, tenant: str, status: str | None = None) -> builtins.list[Project]:
        return list(self.projects.get(tenant, []))

    def nearest(self, tenant: str, text: str, n: int = 32) -> builtins.list[tuple[str, float]]:
        return [(h.project.id, h.similarity) for h in self.search(tenant, text, n)]

    def search(
        self, tenant: str, text: str, k: int = 8, *, status: str | None = None
    ) -> builtins.list[Hit]:
        self.searches += 1
        kind = text.split()[0]
        hits = [
            Hit(
                p, 0.8 + 0.15 * random.Random(f"{text}|{p.id}").random() if p.title == kind else 0.3
            )
            for p in self.projects[tenant]
        ]
        return sorted(hits, key=lambda h: -h.similarity)[:k]


PARAMS = Knobs(k=5, min_similarity=0.25)


def _spread(band: calibration.TenantBand, tenant: str, store: PortfolioStore) -> float:
    assert band.engine is not None
    semantic = dict(store.nearest(tenant, "shop brief", 50))
    result = band.engine.estimate(Query("shop brief", semantic=semantic))
    return result.p90 / result.p10


def test_a_dispersed_history_gets_a_wider_band_than_a_tight_one() -> None:
    store, bands = PortfolioStore(), TenantBands()
    tight = bands.get(as_store(store), "tight", tenant_history(as_store(store), "tight"), PARAMS)
    wide = bands.get(as_store(store), "wide", tenant_history(as_store(store), "wide"), PARAMS)
    assert tight.projects == wide.projects == 40  # every project left out once
    assert _spread(wide, "wide", store) > 3 * _spread(tight, "tight", store)
    # The tight tenant's shops take ~200 h within a few percent: a band of a few percent too.
    assert _spread(tight, "tight", store) < 1.3
    # The user's k and similarity floor are kept; the rest is tuned.
    assert (wide.params.k, wide.params.min_similarity) == (5, 0.25)


def test_the_engine_is_cached_until_the_tenant_has_new_projects(monkeypatch) -> None:
    monkeypatch.setattr(history, "RECHECK", 0.0)  # the new project below is written "elsewhere"
    store, bands, cache = PortfolioStore(), TenantBands(), HistoryCache()
    first = bands.get(as_store(store), "wide", cache.history(as_store(store), "wide"), PARAMS)
    searches = store.searches
    assert searches == 40  # one per project left out
    cached = bands.get(as_store(store), "wide", cache.history(as_store(store), "wide"), PARAMS)
    assert cached is first
    assert store.searches == searches

    store.projects["wide"].append(Project("wide-new", "shop", "A shop", 300.0))
    cache.history(as_store(store), "wide")  # the count changed: read again in the background
    assert cache.wait_for_refresh("wide", timeout=30)
    again = bands.get(as_store(store), "wide", cache.history(as_store(store), "wide"), PARAMS)
    assert again is not first and again.projects == 41 and store.searches == searches + 41
    assert len(again.engine.history) == 41  # type: ignore[union-attr]


def test_rounds_are_capped_on_a_large_portfolio(monkeypatch) -> None:
    monkeypatch.setattr(engine, "MAX_ROUNDS", 12)
    store = PortfolioStore()
    knowledge = as_store(store)
    band = TenantBands().get(knowledge, "tight", tenant_history(knowledge, "tight"), PARAMS)
    assert band.projects == 12 and store.searches == 12


def test_too_few_projects_keep_the_given_knobs_and_band() -> None:
    store = PortfolioStore()
    store.projects["tight"] = store.projects["tight"][: engine.MIN_PROJECTS - 1]
    knowledge = as_store(store)
    band = TenantBands().get(knowledge, "tight", tenant_history(knowledge, "tight"), PARAMS)
    assert band.projects == 0 and band.params == PARAMS and store.searches == 0
    assert band.engine is not None and not band.engine.bands


async def test_the_reply_says_what_the_band_is_calibrated_on(scope_harness: Harness) -> None:
    reply = await scope_harness.say("/scope Shopify store with a custom theme for a tea shop")
    assert "80% range is calibrated on 50 of your past projects" in reply.text, reply.text
