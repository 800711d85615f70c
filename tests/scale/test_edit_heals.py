"""An edit whose feature-row write the database refuses still reaches the estimate: the bot
answers from the previous rows while the database refuses, and once it takes writes again the
next `/scope` has the row written from the store behind it, and the answers after it price with
the edited hours."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from adapters.runtime import build_services
from bot.config import Settings
from bot.core import Bot
from bot.scoping.features import FeatureKeepingStore
from bot.scoping.history import HistoryCache
from tests.conftest import Harness

BRIEF = "/scope Shopify store with a custom theme and Stripe"

# A real failing write: SQLite refuses every change to the revision counters, which each
# feature-row write bumps first (the knowledge store and the bot's other tables are untouched).
REFUSE = (
    "CREATE TRIGGER refuse_update BEFORE UPDATE ON project_feature_revisions "
    "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
    "CREATE TRIGGER refuse_insert BEFORE INSERT ON project_feature_revisions "
    "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
)


def figures(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The estimate's figures, to the precision of the answer (a background tuning of the
    workspace's band may move the far decimals between answers)."""
    return {k: round(v, 6) if isinstance(v, float) else v for k, v in facts["estimate"].items()}


def used_analogue(facts: Mapping[str, Any]) -> dict[str, Any]:
    return next(a for a in facts["analogues"] if a["used"] and a["actual_hours"])


async def test_an_edit_the_rows_missed_reaches_the_estimate_once_the_database_writes(
    settings: Settings, demo_vectors: tuple[list, object]
) -> None:
    bot = Bot(build_services(settings))
    await bot.start()
    try:
        store = bot.services.knowledge
        assert isinstance(store, FeatureKeepingStore)
        projects, vectors = demo_vectors
        store.upsert("local", projects, embeddings=vectors)  # type: ignore[arg-type]
        chat = Harness(bot)
        before = await chat.say(BRIEF)
        assert before.facts["has_estimate"], before.text
        analogue = used_analogue(before.facts)
        edited = round(analogue["actual_hours"] * 1.6)

        database = sqlite3.connect(settings.data_dir / "atelier.db")
        for statement in REFUSE:
            database.execute(statement)
        database.commit()
        try:
            reply = await chat.say(f"/projects edit {analogue['id']} actual={edited} confirm")
            assert "Updated" in reply.text, reply.text  # the store has the edit
            assert store.pending("local") == {analogue["id"]}
            stale = await chat.say(BRIEF)  # still refused: the previous rows answer
            assert used_analogue(stale.facts)["actual_hours"] == analogue["actual_hours"]
            assert figures(stale.facts) == figures(before.facts)
        finally:
            database.execute("DROP TRIGGER refuse_update")
            database.execute("DROP TRIGGER refuse_insert")
            database.commit()
            database.close()

        await chat.say(BRIEF)  # answers at once; the row is written behind it
        assert bot.services.histories.wait_for_refresh("local", timeout=60)
        after = await chat.say(BRIEF)
        rows = {a["id"]: a for a in after.facts["analogues"]}
        assert rows[analogue["id"]]["actual_hours"] == edited
        assert store.pending("local") == frozenset()
        assert figures(after.facts) != figures(before.facts)  # the band moved with the hours
        # The same answer as a process that reads the rows afresh (they hold the edit now).
        bot.services.histories = HistoryCache()
        fresh = await chat.say(BRIEF)
        assert figures(fresh.facts) == figures(after.facts)
    finally:
        await bot.close()
