"""A restart's first answer: the history's full read gives exactly the rows the table holds,
the store's count is taken beside it, and the same history comes out."""

from __future__ import annotations

import builtins
import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.scoping.features import FeatureKeepingStore, ProjectFeatures, features_of, read_live
from bot.scoping.history import HistoryCache
from knowledge.models import PastProject
from knowledge.port import KnowledgeStore
from state.features import FeatureTable
from tests.conftest import MigratedDatabase
from tests.knowledge.helpers import as_store


def project(number: int, status: str = "closed", tags: tuple[str, ...] = ("a", "b")) -> PastProject:
    closed = status == "closed"
    return PastProject(
        id=f"p-{number:03d}",
        title=f"Job {number}",
        summary=f"Work number {number}",
        client=None if number % 3 else f"Client {number}",
        type="web" if number % 2 else "e-commerce",
        tags=list(tags),
        status=status,  # type: ignore[arg-type]
        estimated_hours=None if number % 4 == 0 else 10.0 + number,
        actual_hours=20.0 + number if closed else None,
        started=None if number % 5 == 0 else dt.date(2024, 1, 1) + dt.timedelta(days=number % 7),
        finished=dt.date(2024, 6, 1) + dt.timedelta(days=number % 3) if closed else None,
        phases={"build": 5.0},
        lessons=[f"lesson {number}"],
    )


class CountingStore:
    """A store in memory whose count records the thread it ran on."""

    def __init__(self) -> None:
        self.projects: dict[str, PastProject] = {}
        self.count_threads: list[str] = []
        self.lists = 0

    def generation(self, tenant: str) -> int:
        return 0

    def count(self, tenant: str) -> int:
        self.count_threads.append(threading.current_thread().name)
        return len(self.projects)

    def list(self, tenant: str, status: str | None = None) -> builtins.list[PastProject]:
        self.lists += 1
        return [p for p in self.projects.values() if status is None or p.status == status]

    def upsert(
        self, tenant: str, projects: builtins.list[PastProject], *, embeddings: object = None
    ) -> int:
        self.projects.update((p.id, p) for p in projects)
        return len(projects)

    def get_many(self, tenant: str, ids: builtins.list[str]) -> dict[str, PastProject]:
        return {i: self.projects[i] for i in ids if i in self.projects}

    def close(self) -> None:
        pass


@pytest.fixture
def table(tmp_path: Path, migrated_database: MigratedDatabase) -> Iterator[FeatureTable]:
    table = FeatureTable(migrated_database(tmp_path / "state.db"))
    yield table
    table.close()


FIELDS = [name for name in ProjectFeatures.__slots__ if name not in ("_details", "_parsed")]


def test_the_full_read_gives_the_rows_the_table_gives(table: FeatureTable) -> None:
    projects = [project(n) for n in range(30)] + [project(40, status="active", tags=())]
    table.write("a", [features_of(p) for p in projects])
    table.write("a", [features_of(project(7, tags=("next.js",)))])  # an edit: a newer revision
    table.remove("a", ["p-011"])
    table.write("b", [features_of(project(99))])  # another tenant's row is never read

    revision, live = read_live(table, "a")
    expected = table.read("a")
    assert revision == expected.revision == 3
    rows = [ProjectFeatures.from_row(row) for row in expected.rows]
    assert sorted(p.id for p in live) == sorted(p.id for p in rows) and len(live) == 30
    by_id = {p.id: p for p in rows}
    for found in live:
        for name in FIELDS:
            want = getattr(by_id[found.id], name)
            got = getattr(found, name)
            assert got == want and type(got) is type(want), (found.id, name, got, want)
        assert found.phases == by_id[found.id].phases
        assert found.lessons == by_id[found.id].lessons
    assert {p.id: p.tags for p in live}["p-007"] == ("next.js",)
    assert read_live(table, "nobody") == (0, [])


def test_equal_dates_are_one_object_and_none_stays_none(table: FeatureTable) -> None:
    table.write("a", [features_of(project(n)) for n in (1, 4, 7, 10)])  # 1, 4, 7: same finish
    _, live = read_live(table, "a")
    by_id = {p.id: p for p in live}
    assert by_id["p-001"].finished is by_id["p-004"].finished is by_id["p-007"].finished
    assert by_id["p-010"].started is None and isinstance(by_id["p-001"].started, dt.date)


def test_a_first_read_counts_the_store_beside_the_rows_and_keeps_the_order(
    table: FeatureTable,
) -> None:
    inner = CountingStore()
    store = FeatureKeepingStore(as_store(inner), table)
    store.upsert("a", [project(n) for n in range(12)] + [project(20, status="active")])
    found = HistoryCache().history(store, "a")
    assert inner.lists == 0 and found.count == 13
    assert inner.count_threads and inner.count_threads[0].startswith("atelier-history-count")
    newest_first = sorted(
        (p for p in inner.projects.values() if p.status == "closed"),
        key=lambda p: (p.finished or p.started or dt.date.min, p.id),
        reverse=True,
    )
    assert [p.id for p in found.closed] == [p.id for p in newest_first]


def test_a_store_the_rows_do_not_match_is_still_read_again(table: FeatureTable) -> None:
    inner = CountingStore()
    inner.upsert("a", [project(n) for n in range(5)])  # written around the rows
    store = FeatureKeepingStore(as_store(inner), table)
    found = HistoryCache().history(store, "a")
    assert inner.lists == 1 and len(found.closed) == 5 and table.live_count("a") == 5


def test_the_background_tuning_reuses_the_first_answers_past_items(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.scoping import calibration
    from bot.scoping.calibration import TenantBands, _compute
    from bot.scoping.history import tenant_history
    from estimating import Knobs, Query
    from tests.scope.test_band_calibration import PortfolioStore

    monkeypatch.setattr(calibration, "BACKGROUND_FROM", 10)
    params = Knobs(k=5, min_similarity=0.2)
    store, bands = as_store(PortfolioStore()), TenantBands()
    past = tenant_history(store, "wide")
    first = bands.get(store, "wide", past, params)
    assert first.projects == 0 and first.engine is not None
    assert bands.wait_for_tuning("wide", timeout=60)
    tuned = bands.get(store, "wide", past, params)
    assert tuned.projects == 40 and tuned.engine is not None
    assert tuned.engine.history is first.engine.history  # built once, not again for the tuning
    scratch = _compute(store, "wide", past, params)  # the tuning as it was: items built anew
    assert scratch.engine is not None and scratch.params == tuned.params
    semantic = {"wide-1": 0.9, "wide-3": 0.8, "wide-5": 0.7}
    query = Query(text="A shop with a custom theme", semantic=semantic)
    assert scratch.engine.estimate(query) == tuned.engine.estimate(query)


class WarmedStore(CountingStore):
    def __init__(self) -> None:
        super().__init__()
        self.warmed = threading.Event()

    def warm_up(self) -> None:
        self.warmed.set()


async def test_a_serving_bot_loads_its_store_and_model_at_start_and_one_shot_commands_do_not(
    settings: object,
) -> None:
    from adapters.runtime import build_services
    from bot.core import Bot

    for warm_up in (True, False):
        store = WarmedStore()
        opened: list[object] = []

        def factory(store: WarmedStore = store, opened: list[object] = opened) -> KnowledgeStore:
            opened.append(store)
            return as_store(store)

        services = build_services(settings)  # type: ignore[arg-type]
        services.knowledge_factory = factory
        bot = Bot(services)
        await bot.start(warm_up=warm_up)
        await bot.close()  # waits for the warm-up: nothing is left loading
        assert store.warmed.is_set() is warm_up and len(opened) == int(warm_up)


async def test_a_warm_up_that_fails_leaves_the_error_to_the_first_use(settings: object) -> None:
    from adapters.runtime import build_services
    from bot.core import Bot
    from knowledge.store import KnowledgeUnavailable

    def broken() -> object:
        raise KnowledgeUnavailable("the store is away")

    services = build_services(settings)  # type: ignore[arg-type]
    services.knowledge_factory = broken  # type: ignore[assignment]
    bot = Bot(services)
    await bot.start(warm_up=True)
    await bot.close()
    with pytest.raises(KnowledgeUnavailable):
        services.knowledge  # noqa: B018  (the first real use says what is wrong)


def test_the_local_model_warms_up_without_remembering_a_text() -> None:
    from knowledge.embeddings import LocalEmbedder

    embedder = LocalEmbedder()
    embedder.warm_up()
    assert embedder._model is not None and not embedder._recent
    assert embedder.embed(["a shop"]).shape == (1, 384)


def test_the_periodic_check_runs_behind_the_answers_not_in_them(
    table: FeatureTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.scoping import history

    inner = CountingStore()
    store = FeatureKeepingStore(as_store(inner), table)
    store.upsert("a", [project(n) for n in range(4)])
    cache = HistoryCache()
    assert len(cache.history(store, "a").closed) == 4
    revisions: list[str] = []
    reading = table.revision

    def revision(tenant: str) -> int:
        revisions.append(threading.current_thread().name)
        return reading(tenant)

    monkeypatch.setattr(table, "revision", revision)
    monkeypatch.setattr(history, "RECHECK", 0.0)
    inner.count_threads.clear()
    here = threading.current_thread().name
    for _ in range(3):  # nothing changed: each check finds the same revision and count
        assert len(cache.history(store, "a").closed) == 4
        assert cache.wait_for_refresh("a", timeout=30)
    assert revisions and inner.count_threads and here not in revisions + inner.count_threads

    # Another process closes a project: the check behind an answer reads it in.
    other = CountingStore()
    other.projects = inner.projects
    elsewhere = FeatureKeepingStore(as_store(other), FeatureTable.for_engine(table.engine))
    elsewhere.upsert("a", [project(9)])
    stale = cache.history(store, "a")
    assert cache.wait_for_refresh("a", timeout=30)
    assert "p-009" not in stale.by_id and "p-009" in cache.history(store, "a").by_id
    assert here not in revisions + inner.count_threads and inner.lists == 0


def test_a_workspaces_collection_is_found_without_listing_every_collection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knowledge.store import ProjectStore
    from tests.knowledge.helpers import project as stored_project

    writer = ProjectStore.open(tmp_path)
    for number in range(5):  # other workspaces on the same server
        writer.upsert(f"ws{number}", [stored_project(f"ws{number}-a", "A shop")])
    restarted = ProjectStore(writer.client, writer.embedder, writer.where)

    def listing() -> list[object]:
        raise AssertionError("listed every collection")

    monkeypatch.setattr(restarted.client, "list_collections", listing)
    assert restarted.count("ws3") == 1 and restarted.get("ws3", "ws3-a") is not None
    assert [m.project.id for m in restarted.search("ws3", "a shop")] == ["ws3-a"]
    assert restarted.count("nobody") == 0 and restarted.search("nobody", "a shop") == []
    assert restarted.get("nobody", "x") is None and restarted.reindex("nobody") == 0
    assert restarted.reindex("ws3") == 1 and restarted.count("ws3") == 1
