"""`/projects demo load|remove`: the demo comes and goes, real data stays exactly as it was."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.core import Bot
from knowledge.store import ProjectStore
from state import RemovedProject, SavedEstimate, ScopeRun
from tests.conftest import Harness
from tests.knowledge.helpers import project

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _run(run_id: str, analogues: list[str]) -> ScopeRun:
    return ScopeRun(
        id=run_id, tenant="local", user_id="alice", brief="a shop", p10_hours=10, p50_hours=20,
        p90_hours=40, rate=100, currency="USD", analogue_ids=analogues, created_at=NOW,
    )  # fmt: skip


def _estimate(estimate_id: str, analogues: list[str], project_id: str | None) -> SavedEstimate:
    return SavedEstimate(
        id=estimate_id, tenant="local", user_id="alice", brief="a shop", p10_hours=10,
        p50_hours=20, p90_hours=40, rate=100, currency="USD", analogue_ids=analogues,
        created_at=NOW, project_id=project_id,
    )  # fmt: skip


async def _rows(bot: Bot, model) -> list[str]:
    async with bot.services.db.sessions() as session:
        return sorted(r.id for r in (await session.execute(select(model))).scalars())


async def test_demo_load_then_remove_leaves_no_trace(bot: Bot, harness: Harness) -> None:
    store = ProjectStore.open(bot.services.settings.data_dir)
    bot.services.set_knowledge(store)
    try:
        own = project("mine-1", "Our own bakery shop", actual_hours=90)
        store.upsert("local", [own])
        refused = await harness.say("/projects demo load")
        assert refused.refused and "1 past project(s) of its own" in refused.text
        loaded = await harness.say("/projects demo load anyway")
        assert "Loaded the demo portfolio: 50 fictional past projects" in loaded.text, loaded.text
        assert store.count("local") == 51
        again = await harness.say("/projects demo load anyway")
        assert "already loaded" in again.text

        removed_one = await harness.say("/projects remove demo-003")
        assert not removed_one.refused, removed_one.text
        async with bot.services.db.transaction() as session:
            session.add_all(
                [
                    _run("run-demo", ["demo-001", "demo-002"]),
                    _run("run-mixed", ["mine-1", "demo-004"]),
                    _run("run-own", ["mine-1"]),
                    _estimate("est-demo", ["demo-001"], None),
                    _estimate("est-started", ["demo-001"], "acme"),
                    _estimate("est-own", ["mine-1"], None),
                ]
            )

        reply = await harness.say("/projects demo remove")
        assert "Removed the demo: 50 demo project(s), 2 estimate answer(s)" in reply.text, (
            reply.text
        )
        assert "1 saved estimate(s)" in reply.text and "Kept 1 saved estimate(s)" in reply.text
        assert [p.id for p in store.list("local")] == ["mine-1"]
        assert store.get("local", "mine-1") == own
        assert await _rows(bot, RemovedProject) == []
        assert await _rows(bot, ScopeRun) == ["run-own"]
        assert await _rows(bot, SavedEstimate) == ["est-own", "est-started"]

        nothing = await harness.say("/projects demo remove")
        assert "no demo data" in nothing.text
    finally:
        store.close()


def test_the_cli_loads_and_removes_the_demo(settings) -> None:
    from typer.testing import CliRunner

    from adapters.cli import app

    env = {"ATELIER_DATA_DIR": str(settings.data_dir), "ATELIER_DEMO_DATA": "false"}
    loaded = CliRunner().invoke(app, ["projects", "demo", "load"], env=env)
    assert loaded.exit_code == 0 and "50 fictional past projects" in loaded.output, loaded.output
    removed = CliRunner().invoke(app, ["projects", "remove-demo"], env=env)
    assert removed.exit_code == 0 and "Removed the demo: 50 demo project(s)" in removed.output
    listed = CliRunner().invoke(app, ["projects", "list", "--json"], env=env)
    assert listed.exit_code == 0 and "demo-001" not in listed.output, listed.output
