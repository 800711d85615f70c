"""A large history's engine is tuned in the background: answers never wait for it."""

from __future__ import annotations

import threading

from bot.scoping import calibration, history
from bot.scoping.calibration import TenantBands
from bot.scoping.history import HistoryCache, tenant_history
from estimating import Knobs
from tests.knowledge.helpers import as_store
from tests.scope.test_band_calibration import PortfolioStore, Project

PARAMS = Knobs(k=5, min_similarity=0.2)


class GatedStore(PortfolioStore):
    """Tuning's searches wait until the test opens the gate (a brief's own search does not
    happen here: the tests only ask for the band)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.tuning = threading.Event()

    def nearest(self, tenant: str, text: str, n: int = 32) -> list[tuple[str, float]]:
        self.tuning.set()
        assert self.gate.wait(30), "the test never opened the gate"
        return super().nearest(tenant, text, n)


def test_the_first_answer_uses_the_untuned_engine_while_tuning_runs(monkeypatch) -> None:
    monkeypatch.setattr(calibration, "BACKGROUND_FROM", 10)
    store, bands = GatedStore(), TenantBands()
    past = tenant_history(as_store(store), "wide")
    first = bands.get(as_store(store), "wide", past, PARAMS)  # returns with tuning blocked
    assert first.projects == 0 and first.params == PARAMS and first.engine is not None
    assert store.tuning.wait(30)
    assert bands.get(as_store(store), "wide", past, PARAMS) is first  # still tuning: same answer
    store.gate.set()
    assert bands.wait_for_tuning("wide", timeout=60)
    tuned = bands.get(as_store(store), "wide", past, PARAMS)
    assert tuned.projects == 40 and tuned.engine is not None


def test_a_changed_history_keeps_the_previous_band_until_the_new_one_is_tuned(
    monkeypatch,
) -> None:
    monkeypatch.setattr(calibration, "BACKGROUND_FROM", 10)
    monkeypatch.setattr(history, "RECHECK", 0.0)
    store, bands, cache = GatedStore(), TenantBands(), HistoryCache()
    store.gate.set()
    bands.get(as_store(store), "wide", cache.history(as_store(store), "wide"), PARAMS)
    assert bands.wait_for_tuning("wide", timeout=60)
    tuned = bands.get(as_store(store), "wide", cache.history(as_store(store), "wide"), PARAMS)
    assert tuned.projects == 40

    store.gate.clear()
    store.tuning.clear()
    store.projects["wide"].append(Project("wide-new", "shop", "A shop", 300.0))
    cache.history(as_store(store), "wide")
    assert cache.wait_for_refresh("wide", timeout=30)
    grown = cache.history(as_store(store), "wide")
    assert len(grown.closed) == 41
    meanwhile = bands.get(as_store(store), "wide", grown, PARAMS)
    assert meanwhile.projects == 40 and meanwhile.engine is tuned.engine  # the previous band
    assert store.tuning.wait(30)
    store.gate.set()
    assert bands.wait_for_tuning("wide", timeout=60)
    assert bands.get(as_store(store), "wide", grown, PARAMS).projects == 41


def test_bands_are_kept_only_for_tenants_the_bounded_history_cache_holds() -> None:
    cache = HistoryCache(max_projects=50)  # room for one tenant of 40 closed projects
    store, bands = PortfolioStore(), TenantBands(held_tenants=lambda _store: cache.tenants())
    bands.get(as_store(store), "tight", cache.history(as_store(store), "tight"), PARAMS)
    # "wide" drops "tight":
    bands.get(as_store(store), "wide", cache.history(as_store(store), "wide"), PARAMS)
    assert cache.tenants() == ["wide"]
    assert bands.tenants() == ["wide"]


def test_bands_start_afresh_for_another_store() -> None:
    one, two, bands, cache = PortfolioStore(), PortfolioStore(), TenantBands(), HistoryCache()
    first = bands.get(as_store(one), "wide", cache.history(as_store(one), "wide"), PARAMS)
    assert bands.get(as_store(one), "wide", cache.history(as_store(one), "wide"), PARAMS) is first
    other = bands.get(as_store(two), "wide", cache.history(as_store(two), "wide"), PARAMS)
    assert other is not first and other.source is cache.history(as_store(two), "wide")
    assert two.searches == 40  # tuned on the new store, not carried over


def _stop_into(bands: TenantBands, results: list[bool]) -> None:
    results.append(bands.stop(timeout=30))


def test_a_stop_ends_the_tuning_before_its_next_search(monkeypatch) -> None:
    monkeypatch.setattr(calibration, "BACKGROUND_FROM", 10)
    for apart in (True, False):
        store, bands = GatedStore(), TenantBands(apart=apart)
        past = tenant_history(as_store(store), "wide")
        first = bands.get(as_store(store), "wide", past, PARAMS)
        assert store.tuning.wait(30)  # the tuning is inside its first search
        stopped: list[bool] = []
        stopping = threading.Thread(target=_stop_into, args=(bands, stopped))
        stopping.start()
        assert bands._stopping.wait(30)  # the stop is asked for while the search waits
        store.gate.set()  # that search returns; the next one is never made
        stopping.join(60)
        assert stopped == [True]
        assert store.searches == 1, apart
        assert bands.get(as_store(store), "wide", past, PARAMS) is first  # still untuned
        assert bands.wait_for_tuning("wide", timeout=1)  # and no new tuning started
        bands.resume()
        bands._bands.clear()
        bands.get(as_store(store), "wide", past, PARAMS)
        assert bands.wait_for_tuning("wide", timeout=60)
        assert bands.get(as_store(store), "wide", past, PARAMS).projects == 40
