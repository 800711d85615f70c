"""A re-index made by another store object (another process, `atelier projects reindex`) while a
bot's store holds the workspace's collection handle: the bot keeps answering, and no reader
ever sees the half-built new collection."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from knowledge import store as store_module
from knowledge.store import ProjectStore, collection_name
from tests.knowledge.helpers import project
from tests.reliability.conftest import ChromaServer, chroma_or_skip

PROJECTS = [project(f"p{i}", f"Shop number {i}", type="e-commerce") for i in range(6)]


def exercise_reads(bot: ProjectStore) -> None:
    """Every read and write the bot makes, each through a handle a re-index may have replaced."""
    assert bot.count("T1") == 6
    assert len(bot.search("T1", "shop", k=6)) == 6
    assert len(bot.search("T1", "shop", k=2, type="e-commerce")) == 2
    assert len(bot.nearest("T1", "shop", n=6)) == 6
    assert bot.get("T1", "p1") == PROJECTS[1]
    assert set(bot.get_many("T1", ["p1", "p2"])) == {"p1", "p2"}
    assert len(bot.list("T1")) == 6


def reindexed_elsewhere(bot: ProjectStore, other: ProjectStore) -> None:
    bot.upsert("T1", PROJECTS)
    assert bot.count("T1") == 6  # the bot now holds the collection's handle
    assert other.reindex("T1") == 6
    exercise_reads(bot)
    assert other.reindex("T1") == 6  # and again: the handle refreshed the first time is stale
    assert bot.delete("T1", "p5") is True
    assert other.count("T1") == 5
    assert other.reindex("T1") == 5
    assert bot.upsert("T1", [PROJECTS[5]]) == 1
    assert other.count("T1") == 6
    exercise_reads(bot)
    names = {c.name for c in bot.client.list_collections()}
    assert names == {collection_name("T1")}  # nothing left aside or half-built


def test_a_reindex_by_another_store_on_the_same_directory(tmp_path: Path) -> None:
    reindexed_elsewhere(ProjectStore.open(tmp_path), ProjectStore.open(tmp_path))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    yield from chroma_or_skip(tmp_path / "chroma-data")


def test_a_reindex_by_another_client_of_the_same_server(
    server: ChromaServer, tmp_path: Path
) -> None:
    bot = ProjectStore.open(tmp_path / "bot", chroma_url=server.url)
    other = ProjectStore.open(tmp_path / "cli", chroma_url=server.url)
    reindexed_elsewhere(bot, other)


def test_a_workspace_dropped_elsewhere_reads_as_one_with_no_projects(tmp_path: Path) -> None:
    bot, other = ProjectStore.open(tmp_path), ProjectStore.open(tmp_path)
    bot.upsert("T1", PROJECTS)
    assert bot.count("T1") == 6
    other.client.delete_collection(collection_name("T1"))
    assert bot.count("T1") == 0 and bot.list("T1") == [] and bot.search("T1", "shop") == []
    assert bot.get("T1", "p1") is None and bot.delete("T1", "p1") is False
    assert bot.upsert("T1", PROJECTS[:2]) == 2 and other.count("T1") == 2


class Watched:
    """A collection whose ``modify`` runs ``after`` once it has renamed it."""

    def __init__(self, collection: Any, after: Callable[[str], None]) -> None:
        self._collection, self._after = collection, after

    def modify(self, name: str) -> None:
        self._collection.modify(name=name)
        self._after(name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)


def test_readers_never_see_the_half_built_collection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, fresh, other = (ProjectStore.open(tmp_path) for _ in range(3))
    bot.upsert("T1", PROJECTS)
    assert bot.count("T1") == 6
    seen: list[tuple[int, int]] = []
    write = other._write

    def half_built(collection: Any, tenant: str, projects: Any, vectors: Any) -> int:
        written = write(collection, tenant, projects[:1], vectors[:1])
        fresh.close()  # a reader with no handle yet looks the collection up by name
        seen.append((bot.count(tenant), fresh.count(tenant)))
        return written + write(collection, tenant, projects[1:], vectors[1:])

    monkeypatch.setattr(other, "_write", half_built)
    assert other.reindex("T1") == 6
    assert seen == [(6, 6)]  # both readers saw the old, complete collection, not its 1
    assert bot.count("T1") == 6 and fresh.count("T1") == 6


@pytest.mark.parametrize("handle", ["stale", "none"])
def test_a_reader_waits_out_the_swap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, handle: str
) -> None:
    """A reader whose handle is gone, or who has none yet, arriving between the swap's two
    renames (the name free, the new collection still under its building name), gets the new
    collection, not a workspace with no projects."""
    bot, other = ProjectStore.open(tmp_path), ProjectStore.open(tmp_path)
    other.upsert("T1", PROJECTS)
    if handle == "stale":
        assert bot.count("T1") == 6
        assert other.reindex("T1") == 6  # the bot's handle is now stale
    name = collection_name("T1")
    looking = threading.Event()
    found: list[int] = []
    existing = bot._existing

    def watched_lookup(wanted: str) -> Any:
        collection = existing(wanted)
        if wanted.endswith("-new"):
            looking.set()  # the reader found the name free and a swap under way
        return collection

    monkeypatch.setattr(bot, "_existing", watched_lookup)
    reader = threading.Thread(target=lambda: found.append(bot.count("T1")))

    def between_renames(renamed_to: str) -> None:
        if renamed_to.endswith("-old"):
            reader.start()
            assert looking.wait(timeout=30)

    other_existing = other._existing
    monkeypatch.setattr(
        other,
        "_existing",
        lambda wanted: (
            Watched(c, between_renames)
            if wanted == name and (c := other_existing(wanted)) is not None
            else other_existing(wanted)
        ),
    )
    assert other.reindex("T1") == 6
    reader.join(timeout=30)
    assert found == [6]


def test_writes_made_elsewhere_during_the_build_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, other = ProjectStore.open(tmp_path), ProjectStore.open(tmp_path)
    bot.upsert("T1", PROJECTS)
    assert bot.count("T1") == 6  # the bot's handle: the collection being re-indexed
    write = other._write
    renamed = PROJECTS[1].model_copy(update={"title": "Bakery website"})

    def with_bot_writes(collection: Any, tenant: str, projects: Any, vectors: Any) -> int:
        written = write(collection, tenant, projects, vectors)
        if len(projects) == 6:  # the build itself, not the copy of these writes
            bot.upsert("T1", [renamed, project("p9", "Logo for a café")])
            assert bot.delete("T1", "p2") is True
        return written

    monkeypatch.setattr(other, "_write", with_bot_writes)
    assert other.reindex("T1") == 6
    assert bot.get("T1", "p1") == renamed and other.get("T1", "p1") == renamed
    assert bot.get("T1", "p2") is None and bot.get("T1", "p9") is not None
    assert bot.search("T1", "bakery website", k=1)[0].project.id == "p1"  # re-embedded too
    assert {c.name for c in bot.client.list_collections()} == {collection_name("T1")}


def test_a_swap_left_half_done_is_completed_by_the_next_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A re-index whose process ended between its two renames: the new collection, complete,
    under its building name and the old one aside. A reader waits, then completes the swap."""
    bot, other = ProjectStore.open(tmp_path), ProjectStore.open(tmp_path)
    other.upsert("T1", PROJECTS)
    name = collection_name("T1")
    other.client.get_collection(name).modify(name=name[:-4] + "-new")
    monkeypatch.setattr(store_module, "SWAP_WAIT_SECONDS", 0.0)
    assert bot.count("T1") == 6 and len(bot.search("T1", "shop", k=6)) == 6
    assert {c.name for c in bot.client.list_collections()} == {name}


def test_a_reindex_by_another_process(tmp_path: Path) -> None:
    bot = ProjectStore.open(tmp_path)
    bot.upsert("T1", PROJECTS)
    assert bot.count("T1") == 6
    code = (
        "import sys; from pathlib import Path; from knowledge.store import ProjectStore; "
        "print(ProjectStore.open(Path(sys.argv[1])).reindex('T1'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "6"
    exercise_reads(bot)
