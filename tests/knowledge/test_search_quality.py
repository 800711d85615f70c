"""Search quality on the demo portfolio: briefs find the right kind of past project."""

from __future__ import annotations

import pytest

from knowledge.store import ProjectStore


def test_the_demo_is_realistic(demo_store: ProjectStore) -> None:
    projects = demo_store.list("local")
    assert 45 <= len(projects) <= 60
    assert all(p.status == "closed" and p.actual_hours and p.estimated_hours for p in projects)
    ratios = sorted(p.actual_hours / p.estimated_hours for p in projects)  # type: ignore[operator]
    median = ratios[len(ratios) // 2]
    assert 1.15 <= median <= 1.45  # typical overrun
    assert sum(r < 1 for r in ratios) >= 4  # and some came in under
    for p in projects:
        assert sum(p.phases.values()) == pytest.approx(p.actual_hours, abs=0.01), p.id
    assert len({p.type for p in projects}) >= 8


def test_shopify_brief_returns_e_commerce_first(demo_store: ProjectStore) -> None:
    matches = demo_store.search("local", "Shopify store with custom theme", k=8)
    top = [m.project for m in matches[:5]]
    assert all(p.type == "e-commerce" for p in top), [p.title for p in top]
    assert all("shopify" in p.tags for p in top[:3])


@pytest.mark.parametrize(
    ("brief", "expected_type"),
    [
        ("logo, colours and packaging for a small bakery", "brand-identity"),
        ("React Native app for workout tracking", "mobile-app"),
        ("move our blog from WordPress to a headless CMS", "migration"),
        ("internal dashboard with sales KPIs and charts", "dashboard"),
        ("sync orders from the shop to our ERP via API", "api-integration"),
    ],
)
def test_briefs_find_their_kind(demo_store: ProjectStore, brief: str, expected_type: str) -> None:
    assert demo_store.search("local", brief, k=1)[0].project.type == expected_type


def test_other_tenants_see_none_of_the_demo(demo_store: ProjectStore) -> None:
    assert demo_store.search("T0TEAM", "Shopify store with custom theme") == []


def test_searches_in_a_batch_find_what_one_at_a_time_finds(demo_store: ProjectStore) -> None:
    texts = [p.title + "\n" + (p.summary or "") for p in demo_store.list("local")[:20]]
    texts += ["", "Shopify store with custom theme"]
    batched = demo_store.nearest_many("local", texts, 32)
    assert len(batched) == len(texts) and batched[-2] == []  # an empty text finds nothing
    for text, found in zip(texts, batched, strict=True):
        if not text:
            continue
        single = demo_store.nearest("local", text, 32)
        assert len(found) == len(single) == 32
        by_id = dict(found)
        assert {pid for pid, _ in single[:28]} <= set(by_id)  # ties at the edge may differ
        for pid, similarity in single:  # the same vectors to float precision
            if pid in by_id:
                assert by_id[pid] == pytest.approx(similarity, abs=1e-5)
