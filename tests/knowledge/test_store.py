"""The project store on embedded Chroma: CRUD, search, filters, tenants, models, failures."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from knowledge.embeddings import get_embedder
from knowledge.store import KnowledgeUnavailable, ModelMismatch, ProjectStore
from tests.knowledge.helpers import HashingEmbedder, project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path: Path) -> ProjectStore:
    return ProjectStore.open(tmp_path / "data")


SHOP = project(
    "shop",
    "Shopify store with a custom theme",
    "Custom Liquid theme and subscriptions for a coffee roaster.",
    type="e-commerce",
    tags=["shopify", "custom-theme"],
    actual_hours=150,
)
APP = project(
    "app",
    "Fitness tracking mobile app",
    "React Native app with workout plans and HealthKit sync.",
    type="mobile-app",
    tags=["react-native"],
)
LOGO = project(
    "logo",
    "Bakery brand identity",
    "Logo, packaging labels and signage for a bakery.",
    type="brand-identity",
    tags=["branding"],
    status="active",
)


def test_upsert_get_list_count_delete(store: ProjectStore) -> None:
    assert store.upsert("t1", [SHOP, APP, LOGO]) == 3
    assert store.count("t1") == 3
    assert store.get("t1", "shop") == SHOP
    assert store.get("t1", "missing") is None
    assert {p.id for p in store.list("t1")} == {"shop", "app", "logo"}
    assert {p.id for p in store.list("t1", status="active")} == {"logo"}
    assert store.delete("t1", "app") is True
    assert store.delete("t1", "app") is False
    assert store.count("t1") == 2


def test_reads_of_an_unknown_tenant_are_empty_and_create_nothing(store: ProjectStore) -> None:
    assert store.count("nobody") == 0
    assert store.list("nobody") == []
    assert store.search("nobody", "anything") == []
    assert store.get("nobody", "shop") is None
    assert store.client.list_collections() == []


def test_search_ranks_by_meaning_with_similarity_in_0_1(store: ProjectStore) -> None:
    store.upsert("t1", [SHOP, APP, LOGO])
    matches = store.search("t1", "online shop with a bespoke Shopify theme", k=3)
    assert matches[0].project.id == "shop"
    similarities = [m.similarity for m in matches]
    assert similarities == sorted(similarities, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in similarities)
    assert matches[0].similarity > 0.5


def test_filters_narrow_the_search(store: ProjectStore) -> None:
    store.upsert("t1", [SHOP, APP, LOGO])
    assert [m.project.id for m in store.search("t1", "shop", status="active")] == ["logo"]
    assert [m.project.id for m in store.search("t1", "shop", type="Mobile App")] == ["app"]
    assert [m.project.id for m in store.search("t1", "x", tags=["Shopify", "custom theme"])] == [
        "shop"
    ]
    assert store.search("t1", "x", tags=["shopify", "branding"]) == []  # every tag must match
    assert store.search("t1", "   ") == []


def test_tenants_never_see_each_other(store: ProjectStore) -> None:
    # Same ids and same texts in two workspaces, different hours.
    store.upsert("T-alpha", [SHOP])
    store.upsert("T-beta", [SHOP.model_copy(update={"actual_hours": 999.0}), LOGO])
    assert store.get("T-alpha", "shop").actual_hours == 150  # type: ignore[union-attr]
    assert store.get("T-beta", "shop").actual_hours == 999  # type: ignore[union-attr]
    assert store.get("T-alpha", "logo") is None
    assert {m.project.id for m in store.search("T-alpha", "bakery logo", k=10)} == {"shop"}
    assert [p.actual_hours for p in store.list("T-alpha")] == [150]
    store.delete("T-beta", "shop")
    assert store.get("T-alpha", "shop") is not None
    assert store.count("T-alpha") == 1 and store.count("T-beta") == 1


def test_tenant_ids_with_any_characters_get_valid_separate_collections(
    store: ProjectStore,
) -> None:
    for tenant in ("local", "T0123ABCD", "guild/42 ü", "x" * 300):
        store.upsert(tenant, [APP])
    assert len(store.client.list_collections()) == 4


def test_an_update_keeps_the_creation_time(store: ProjectStore) -> None:
    store.upsert("t1", [SHOP])
    later = SHOP.model_copy(
        update={"actual_hours": 160.0, "created": SHOP.created.replace(year=2030)}
    )
    store.upsert("t1", [later])
    stored = store.get("t1", "shop")
    assert stored is not None
    assert stored.actual_hours == 160 and stored.created == SHOP.created
    assert store.count("t1") == 1


def test_duplicate_ids_in_one_call_are_refused_before_writing(store: ProjectStore) -> None:
    with pytest.raises(ValueError, match="duplicate project ids"):
        store.upsert("t1", [SHOP, APP, SHOP])
    assert store.count("t1") == 0


def test_a_different_model_is_refused_until_reindexed(tmp_path: Path, store: ProjectStore) -> None:
    store.upsert("t1", [SHOP, APP, LOGO])
    other = ProjectStore(store.client, HashingEmbedder(), store.where)
    with pytest.raises(ModelMismatch) as raised:
        other.search("t1", "shop")
    message = str(raised.value)
    assert "atelier projects reindex --tenant t1" in message
    assert "ATELIER_EMBEDDINGS back to `local`" in message
    assert other.reindex("t1") == 3
    assert {m.project.id for m in other.search("t1", "bakery logo", k=3)} == {
        "shop",
        "app",
        "logo",
    }
    assert other.get("t1", "logo") == LOGO
    # and now the original model is the one refused
    fresh = ProjectStore(store.client, get_embedder("local"), store.where)
    with pytest.raises(ModelMismatch):
        fresh.count("t1")


def test_persists_across_processes(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import datetime as dt
        from pathlib import Path
        from knowledge.models import PastProject
        from knowledge.store import ProjectStore
        store = ProjectStore.open(Path({str(tmp_path / "data")!r}))
        store.upsert("t1", [PastProject(id="p1", title="Written by another process",
                                        summary="WooCommerce wine shop", actual_hours=42)])
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    reopened = ProjectStore.open(tmp_path / "data")
    found = reopened.get("t1", "p1")
    assert found is not None and found.actual_hours == 42
    assert reopened.search("t1", "wine e-commerce")[0].project.id == "p1"


def test_an_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data dir should be")
    with pytest.raises(KnowledgeUnavailable, match="can't open the project store"):
        ProjectStore.open(blocker)


def test_a_server_that_is_down_is_a_clear_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(KnowledgeUnavailable, match="can't reach the Chroma server"):
        ProjectStore.open(tmp_path, chroma_url=f"http://127.0.0.1:{port}")


def test_a_bad_server_url_is_explained(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeUnavailable, match="ATELIER_CHROMA_URL"):
        ProjectStore.open(tmp_path, chroma_url="http://")


def test_filtered_search_equals_chromas_own_filter(store: ProjectStore) -> None:
    kinds = ["e-commerce", "mobile-app", "dashboard"]
    projects = [
        project(
            f"p{i}",
            f"{kinds[i % 3]} project {i} for client {i % 7}",
            type=kinds[i % 3],
            status="active" if i % 5 == 0 else "closed",
            tags=["rare"] if i == 7 else ["common"],
        )
        for i in range(40)
    ]
    store.upsert("t1", projects)
    collection = store._collection("t1", create=False)
    assert collection is not None
    query = store.embedder.embed(["shop project for a client"])
    for filters, where in (
        ({"status": "closed"}, {"status": "closed"}),  # keeps most: answered from neighbours
        ({"status": "active"}, {"status": "active"}),  # keeps few: Chroma's filter
        ({"tags": ["rare"]}, {"tag_rare": True}),
        (
            {"type": "dashboard", "status": "closed"},
            {"$and": [{"status": "closed"}, {"type": "dashboard"}]},
        ),
    ):
        expected = collection.query(query_embeddings=query, n_results=5, where=where)["ids"][0]
        found = store.search("t1", "shop project for a client", k=5, **filters)
        assert [m.project.id for m in found] == expected, filters


class BrokenEmbedder(HashingEmbedder):
    name = "test:broken"

    def embed(self, texts):
        raise RuntimeError("the model crashed")


def test_a_failed_reindex_loses_nothing(store: ProjectStore) -> None:
    store.upsert("t1", [SHOP, APP])
    broken = ProjectStore(store.client, BrokenEmbedder(), store.where)
    with pytest.raises(KnowledgeUnavailable, match="Nothing was changed"):
        broken.reindex("t1")
    assert store.count("t1") == 2
    assert store.search("t1", "online shop", k=1)[0].project.id == "shop"
