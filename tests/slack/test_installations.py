"""The installation and OAuth state stores over Atelier's database (what Bolt's flow uses)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation

from adapters.slack.installations import DatabaseInstallationStore, DatabaseStateStore
from state import Database, LogEntry, TenantSettings, forget_tenant
from tests.conftest import MigratedDatabase


@pytest.fixture
async def database(
    tmp_path: Path, migrated_database: MigratedDatabase
) -> AsyncIterator[Database]:
    database = Database(migrated_database(tmp_path / "state.db"))
    yield database
    await database.close()


def _install(team: str | None, token: str, enterprise: str | None = None) -> Installation:
    return Installation(
        app_id="A1",
        enterprise_id=enterprise,
        team_id=team,
        bot_token=token,
        bot_id="B" + token[-3:],
        bot_user_id="U" + token[-3:],
        bot_scopes="commands,chat:write",
        user_id="UINSTALLER",
        is_enterprise_install=team is None and enterprise is not None,
    )


async def test_each_workspace_gets_its_own_bot_and_a_reinstall_replaces_it(database):
    store = DatabaseInstallationStore(database, client_id="111.222")
    await store.async_save(_install("T1", "xoxb-one-001"))
    await store.async_save(_install("T2", "xoxb-two-002"))
    await store.async_save(_install("T1", "xoxb-one-003"))  # reinstalled with a new token

    one = await store.async_find_bot(enterprise_id=None, team_id="T1")
    two = await store.async_find_bot(enterprise_id=None, team_id="T2")
    assert one is not None and one.bot_token == "xoxb-one-003"
    assert one.bot_scopes == ["commands", "chat:write"]
    assert two is not None and two.bot_token == "xoxb-two-002"
    assert await store.async_find_bot(enterprise_id=None, team_id="T3") is None
    found = await store.async_find_installation(enterprise_id=None, team_id="T2")
    assert found is not None and found.bot_token == "xoxb-two-002"
    assert (await store.async_find_bot_for_tenant("T2")).bot_token == "xoxb-two-002"  # type: ignore[union-attr]

    # Another app (another client id) sharing the database never sees these tokens.
    other = DatabaseInstallationStore(database, client_id="999.999")
    assert await other.async_find_bot(enterprise_id=None, team_id="T1") is None

    await store.async_delete_all(enterprise_id=None, team_id="T1")
    assert await store.async_find_bot(enterprise_id=None, team_id="T1") is None
    assert await store.async_find_bot(enterprise_id=None, team_id="T2") is not None


async def test_an_org_wide_install_serves_every_workspace_of_the_org(database):
    store = DatabaseInstallationStore(database, client_id="111.222")
    await store.async_save(_install(None, "xoxb-org-777", enterprise="E1"))
    for team in ("T5", "T6"):
        bot = await store.async_find_bot(enterprise_id="E1", team_id=team)
        assert bot is not None and bot.bot_token == "xoxb-org-777" and bot.is_enterprise_install
    org = await store.async_find_bot(enterprise_id="E1", team_id=None, is_enterprise_install=True)
    assert org is not None
    assert (await store.async_find_bot_for_tenant("E1")).bot_token == "xoxb-org-777"  # type: ignore[union-attr]
    assert await store.async_find_bot(enterprise_id="E2", team_id="T5") is None


async def test_a_state_is_accepted_once_and_only_before_it_expires(database):
    store = DatabaseStateStore(database, secret="s3cret")
    state = await store.async_issue()
    assert await store.async_consume(state)
    assert not await store.async_consume(state)  # replayed
    assert not await store.async_consume("made-up." + "0" * 32)  # not signed by us
    assert not await store.async_consume("")

    expired = DatabaseStateStore(database, secret="s3cret", seconds=-1)
    assert not await expired.async_consume(await expired.async_issue())

    # A value signed with another secret is refused before the database is asked.
    forged = await DatabaseStateStore(database, secret="other").async_issue()
    assert not await store.async_consume(forged)


async def test_forgetting_a_tenant_deletes_its_rows_and_nothing_else(database):
    store = DatabaseInstallationStore(database, client_id="111.222")
    await store.async_save(_install("T1", "xoxb-one-001"))
    await store.async_save(_install("T2", "xoxb-two-002"))
    async with database.transaction() as session:
        for tenant in ("T1", "T2"):
            session.add(TenantSettings(tenant=tenant, rate=100.0, currency="EUR"))
            session.add(
                LogEntry(
                    tenant=tenant,
                    project_id="acme",
                    author_id="U1",
                    text="done: checkout",
                    kind="done",
                    hours=2.0,
                )
            )
    removed = await forget_tenant(database, "T1")
    assert removed == {"tenant_settings": 1, "log_entries": 1, "app_installations": 1}
    assert await store.async_find_bot(enterprise_id=None, team_id="T2") is not None
    assert await forget_tenant(database, "T1") == {}
    assert (await forget_tenant(database, "T2"))["log_entries"] == 1
