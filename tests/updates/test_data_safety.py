"""Nothing lost: implausible hours are refused or confirmed, closing never overwrites history,
past projects can be corrected."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from state import ActiveProject, LogEntry
from tests.updates.conftest import add_project


async def entries(harness) -> list[LogEntry]:
    async with harness.bot.services.db.sessions() as session:
        return list((await session.execute(select(LogEntry))).scalars())


@pytest.mark.parametrize("text", ["done: refund -3h", "-3h correction", "done: x (−90m)"])
async def test_negative_hours_are_refused_not_logged_as_positive(harness, clock, text) -> None:
    await add_project(harness, "name=Acme aliases=acme estimate=40")
    answer = (await harness.say(f"/log acme {text}")).text
    assert "Nothing was saved" in answer and "negative" in answer
    assert await entries(harness) == []


async def test_a_dash_between_words_is_not_a_minus(harness, clock) -> None:
    await add_project(harness, "name=Acme aliases=acme estimate=40")
    answer = (await harness.say("/log acme blocked - 3h waiting for keys")).text
    assert "Logged" in answer or "logged" in answer
    assert [e.hours for e in await entries(harness)] == [3.0]


# --- closing never overwrites history ------------------------------------------------------


async def test_closing_a_project_named_like_a_demo_project_keeps_the_demo_project(
    harness, clock, demo_store
) -> None:
    before = demo_store.get("local", "demo-001")
    assert before is not None and before.actual_hours == 160.5
    reply = await add_project(harness, 'name="Demo 001" estimate=3')
    assert "`demo-001`" in reply.text  # the active project's slug equals the demo id
    await harness.say("/log demo-001 done: tiny fix 2h")
    closed = (await harness.say("/projects close demo-001")).text
    assert "Closed **Demo 001** at 2 h" in closed and "`closed-demo-001`" in closed
    assert demo_store.get("local", "demo-001") == before  # untouched
    mine = demo_store.get("local", "closed-demo-001")
    assert mine is not None and mine.actual_hours == 2 and mine.origin == "tracked"


async def test_closing_never_overwrites_an_imported_project_even_with_the_prefix(
    harness, clock, demo_store, tmp_path
) -> None:
    history = tmp_path / "history.csv"
    history.write_text(
        "id,title,summary,actual_hours\n"
        "acme-shop,Acme shop,Imported web shop,320\n"
        "closed-acme-shop,Old shop,Another imported shop,100\n",
        encoding="utf-8",
    )
    assert "Imported 2 of 2" in (await harness.say(f"/projects import {history}")).text
    await add_project(harness, 'name="Acme shop"')
    closed = (await harness.say("/projects close acme-shop 2")).text
    assert "`closed-acme-shop-2`" in closed
    assert demo_store.get("local", "acme-shop").actual_hours == 320
    assert demo_store.get("local", "closed-acme-shop").actual_hours == 100
    assert demo_store.get("local", "closed-acme-shop-2").actual_hours == 2
    # An import can't overwrite the closed one by accident either.
    again = tmp_path / "again.csv"
    again.write_text("id,title,summary,actual_hours\nclosed-acme-shop-2,X,Y,5\n", encoding="utf-8")
    refused = (await harness.say(f"/projects import {again}")).text
    assert "closed in Atelier" in refused
    assert demo_store.get("local", "closed-acme-shop-2").actual_hours == 2


# --- implausible hours: refused or confirmed, the same rules everywhere ---------------------


async def test_close_far_beyond_the_estimate_asks_for_a_confirmation(
    harness, clock, demo_store
) -> None:
    await add_project(harness, "name=Acme aliases=acme estimate=80")
    impossible = await harness.say("/projects close acme 99999")
    assert "Nothing was closed" in impossible.text and "limit is 20,000 h" in impossible.text
    assert impossible.refused and not impossible.buttons
    unusual = await harness.say("/projects close acme 900")
    assert "Nothing was closed yet" in unusual.text and "11× the estimate of 80 h" in unusual.text
    assert unusual.refused and demo_store.get("local", "closed-acme") is None
    assert "Logged" in (await harness.say("/log acme done: still open, 1h")).text  # still active
    done = await harness.press(unusual.buttons[0])
    assert "Closed **Acme** at 900 h" in done.text
    assert demo_store.get("local", "closed-acme").actual_hours == 900
    stale = await harness.press(unusual.buttons[0])
    assert "not active any more" in stale.text


async def test_close_with_confirm_typed_and_negative_hours_refused(harness, clock, demo_store):
    await add_project(harness, "name=Acme aliases=acme estimate=80")
    assert "negative" in (await harness.say("/projects close acme -3h")).text
    confirmed = await harness.say("/projects close acme 900 confirm")
    assert "Closed **Acme** at 900 h" in confirmed.text


async def test_a_summed_log_is_checked_like_a_given_figure(harness, clock, demo_store) -> None:
    await add_project(harness, "name=Acme aliases=acme estimate=2")
    for _ in range(3):
        await harness.say("/log acme done: a long week 40h")
    answer = (await harness.say("/projects close acme")).text
    assert "120 h is 60× the estimate of 2 h" in answer


# --- correcting past projects ----------------------------------------------------------------


async def test_edit_corrects_a_past_project_with_the_same_rules(harness, clock, demo_store):
    answer = (await harness.say("/projects edit demo-001 actual=150 tags=shopify;liquid")).text
    assert "Updated **Coffee subscription Shopify store** (`demo-001`)" in answer
    assert "actual_hours 160.5 → 150" in answer
    fixed = demo_store.get("local", "demo-001")
    assert fixed.actual_hours == 150 and fixed.tags == ["shopify", "liquid"]
    assert "limit is 20,000 h" in (await harness.say("/projects edit demo-001 actual=100000")).text
    unusual = (await harness.say("/projects edit demo-001 actual=6000")).text
    assert "Nothing was changed yet" in unusual and "confirm" in unusual
    assert demo_store.get("local", "demo-001").actual_hours == 150
    await harness.say("/projects edit demo-001 actual=6000 confirm")
    assert demo_store.get("local", "demo-001").actual_hours == 6000
    bad = (await harness.say("/projects edit demo-001 currency=EURO")).text
    assert "Nothing was changed" in bad and "currency" in bad
    assert "can't edit `colour`" in (await harness.say("/projects edit demo-001 colour=red")).text
    assert "don't know a past project" in (await harness.say("/projects edit nope actual=3")).text


async def test_edit_reads_dates_as_people_write_them(harness, clock, demo_store) -> None:
    # The clock says 1 December 2026: a finish date without a year is behind it.
    answer = (await harness.say('/projects edit demo-001 start="2 March" finish="15 March"')).text
    assert answer.startswith("Updated"), answer
    fixed = demo_store.get("local", "demo-001")
    assert (str(fixed.started), str(fixed.finished)) == ("2026-03-02", "2026-03-15")
    bad = (await harness.say("/projects edit demo-001 finish=someday")).text
    assert "Nothing was changed" in bad and "can't read `someday` as a finish date" in bad
    assert demo_store.get("local", "demo-001").finished == fixed.finished


async def test_remove_is_soft_and_restore_puts_it_back(harness, clock, demo_store) -> None:
    before = demo_store.get("local", "demo-001")
    removed = (await harness.say("/projects remove demo-001")).text
    assert "Removed **Coffee subscription Shopify store**" in removed
    assert demo_store.get("local", "demo-001") is None
    assert "demo-001" not in (await harness.say("/projects search Shopify subscription")).text
    assert "demo-001" not in (await harness.say("/projects list")).text
    scope = await harness.say("/scope Shopify store with coffee subscriptions")
    assert "demo-001" not in scope.text
    assert "demo-001" in (await harness.say("/projects list removed")).text
    restored = (await harness.say("/projects restore demo-001")).text
    assert "Restored" in restored and demo_store.get("local", "demo-001") == before
    assert "No past project has been removed" in (await harness.say("/projects list removed")).text
    assert "not a removed project" in (await harness.say("/projects restore demo-001")).text


async def test_reopen_brings_a_closed_project_back_and_it_never_counts_twice(
    harness, clock, demo_store
) -> None:
    count = demo_store.count("local")
    await add_project(harness, "name=Acme aliases=acme,shop estimate=40")
    await harness.say("/log acme done: build 30h")
    await harness.say("/projects close acme")
    assert demo_store.count("local") == count + 1
    reopened = (await harness.say("/projects reopen acme")).text
    assert "Reopened **Acme**" in reopened and "doesn't count twice" in reopened
    assert demo_store.count("local") == count and demo_store.get("local", "closed-acme") is None
    assert "Logged" in (await harness.say("/log shop done: more, 4h")).text  # aliases are back
    closed = (await harness.say("/projects close acme")).text
    assert "at 34 h (summed from the log)" in closed
    assert demo_store.count("local") == count + 1
    assert demo_store.get("local", "closed-acme").actual_hours == 34
    assert "don't know a closed project" in (await harness.say("/projects reopen nope")).text


async def test_editing_the_hours_of_a_closed_project_corrects_its_record(
    harness, clock, demo_store
) -> None:
    await add_project(harness, "name=Acme aliases=acme estimate=40")
    await harness.say("/projects close acme 30")
    await harness.say("/projects edit closed-acme actual=36")
    async with harness.bot.services.db.sessions() as session:
        project = await session.get(ActiveProject, ("local", "acme"))
    assert project.actual_hours == 36 and project.knowledge_id == "closed-acme"


# --- the loop closes: a project keeps the type and tags of the briefs it resembles ----------


async def test_add_takes_tags_type_and_a_start_date(harness, clock, demo_store) -> None:
    await add_project(harness, "name=Acme aliases=acme tags=Shopify,Custom-Theme type=E-commerce")
    await add_project(harness, 'name=Beta start="20 nov" due=2026-12-20')
    async with harness.bot.services.db.sessions() as session:
        acme = await session.get(ActiveProject, ("local", "acme"))
        beta = await session.get(ActiveProject, ("local", "beta"))
    assert acme.tags == ["shopify", "custom-theme"] and acme.type == "e-commerce"
    assert acme.start_date == clock.now.date()  # default today
    assert str(beta.start_date) == "2026-11-20"
    assert "start date" in (await harness.say("/projects add name=Gamma start=someday")).text
    await harness.say("/projects close acme 30")
    past = demo_store.get("local", "closed-acme")
    assert past.tags == ["shopify", "custom-theme"] and past.type == "e-commerce"


async def test_a_project_from_a_saved_estimate_is_found_by_the_same_filters(
    harness, clock, demo_store
) -> None:
    from bot.scoping.brief import parse_brief
    from bot.skills.scope import scope_result

    brief = "Shopify store with a custom theme for a tea shop"
    scope = await harness.say(f"/scope {brief}")
    save = next(b for b in scope.buttons if b.action_id == "scope:save")
    await harness.press(save)
    added = await add_project(harness, f"name=Tea aliases=tea estimate={save.value}")
    assert "type `e-commerce` and tags `shopify`" in added.text
    assert f"(from estimate `{save.value}`)" in added.text
    async with harness.bot.services.db.sessions() as session:
        tea = await session.get(ActiveProject, ("local", "tea"))
    assert tea.summary == brief and tea.type == "e-commerce"
    assert "shopify" in tea.tags and "custom-theme" in tea.tags
    await harness.say("/log tea done: theme and checkout 70h")
    await harness.say("/projects close tea")
    result = await scope_result(harness.bot.services, "local", parse_brief(brief))
    assert "shopify" in result.filters.get("tags", [])  # the brief is compared with shopify only
    assert "closed-tea" in [a.id for a in result.analogues]


async def test_reopening_a_project_closed_under_its_own_id_takes_that_entry_back(
    harness, clock, demo_store
) -> None:
    from tests.knowledge.helpers import project as past_project

    await add_project(harness, "name=Legacy aliases=legacy")
    await harness.say("/projects close legacy 12")
    demo_store.delete("local", "closed-legacy")  # as an older close left it: under the slug
    demo_store.upsert("local", [past_project("legacy", "Legacy", actual_hours=12)])
    async with harness.bot.services.db.transaction() as session:
        (await session.get(ActiveProject, ("local", "legacy"))).knowledge_id = None
    reopened = await harness.say("/projects reopen legacy")
    assert "Past project `legacy` was taken out" in reopened.text
    assert demo_store.get("local", "legacy") is None
