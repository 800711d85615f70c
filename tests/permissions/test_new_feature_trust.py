"""Trust rules on the newer features: the demo, stored buttons, change requests, proposals.

Each test is a hole found by attacking the feature through the real code path, kept so it
stays closed.
"""

from __future__ import annotations

from bot.core import Bot
from knowledge.store import ProjectStore
from tests.conftest import Harness
from tests.knowledge.helpers import project


async def test_a_real_project_with_a_demo_id_survives_demo_load_and_remove(
    bot: Bot, harness: Harness
) -> None:
    # A studio's own numbering can be "demo-001": the id alone doesn't make it the demo's.
    store = ProjectStore.open(bot.services.settings.data_dir)
    bot.services.set_knowledge(store)
    try:
        own = project("demo-001", "Our own bakery shop", actual_hours=90)
        store.upsert("local", [own])
        loaded = await harness.say("/projects demo load anyway")
        assert not loaded.refused, loaded.text
        kept = store.get_many("local", ["demo-001"])["demo-001"]
        assert kept.title == "Our own bakery shop" and kept.actual_hours == 90
        removed = await harness.say("/projects demo remove")
        assert not removed.refused, removed.text
        assert store.get_many("local", ["demo-001"])["demo-001"].title == "Our own bakery shop"
        assert store.count("local") == 1
    finally:
        store.close()
