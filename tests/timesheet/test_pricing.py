"""One pricing rule for every skill: the project's own rate in its currency, else the
workspace's rate in the workspace's currency, else the defaults (never a rate in one currency
labelled with another)."""

from __future__ import annotations

from bot.pricing import project_pricing, workspace_pricing
from state import ActiveProject
from tests.conftest import Harness
from tests.timesheet.test_summary import _table


async def test_a_workspace_rate_keeps_its_currency_in_time_summaries(
    workspace: tuple[Harness, object],
) -> None:
    alice, _clock = workspace
    bot = alice.bot
    # Beta portal (USD, no rate of its own) is priced at the workspace's rate: now 150 EUR.
    assert (await alice.say("/scope rate 150 EUR")).text.startswith("Saved")
    reply = await alice.say("/log summary week")
    rows = _table(reply, "Per project")
    assert rows["Beta portal"] == ("3.5", "3.5", "€150.00/h", "€525.00")
    assert rows["Acme web shop"][2:] == ("$120.00/h", "$300.00")  # its own rate and currency
    assert rows["Gamma app"][2:] == ("€80.00/h", "€320.00")

    async with bot.services.db.sessions() as session:
        beta = await session.get(ActiveProject, ("local", "beta-portal"))
        acme = await session.get(ActiveProject, ("local", "acme-web-shop"))
    assert beta is not None and acme is not None
    assert (await project_pricing(bot.services, beta)).source == "workspace"
    assert (await project_pricing(bot.services, acme)).source == "project"
    scope_rate = await workspace_pricing(bot.services, "local")
    assert (scope_rate.rate, scope_rate.currency) == (150.0, "EUR")
    # /scope reads the same place: the default rate is back after a reset.
    await alice.say("/scope rate reset")
    back = await workspace_pricing(bot.services, "local")
    assert back.source == "settings" and back.rate == bot.services.settings.rate


async def test_a_project_in_another_currency_brings_its_own_rate(
    workspace: tuple[Harness, object],
) -> None:
    alice, _clock = workspace
    refused = (await alice.say('/projects add name="Zurich site" currency=CHF')).text
    assert "Nothing was saved" in refused and "needs its own hourly rate in CHF" in refused
    assert "$100/h" in refused  # what the workspace's rate is, and in which currency
    added = await alice.say('/projects add name="Zurich site" currency=CHF rate=140')
    assert added.text.startswith("Added"), added.text


async def test_an_amount_names_the_projects_currency_and_never_changes_it(
    workspace: tuple[Harness, object],
) -> None:
    alice, _clock = workspace
    added = await alice.say('/projects add name="Bern shop" rate="CHF 140" budget=8k')
    assert added.text.startswith("Added"), added.text
    async with alice.bot.services.db.sessions() as session:
        bern = await session.get(ActiveProject, ("local", "bern-shop"))
    assert bern is not None and (bern.currency, bern.rate, bern.budget) == ("CHF", 140.0, 8000.0)
    mixed = (await alice.say('/projects add name="Mixed" rate="€90" budget="6000 USD"')).text
    assert "Nothing was saved" in mixed and "write both in one currency" in mixed
    unknown = (await alice.say('/projects add name="Odd" budget="6000 ABC"')).text
    assert "I don't know the currency `ABC`" in unknown
