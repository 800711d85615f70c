"""`/projects add|active|close` for projects in progress, through the console adapter."""

from __future__ import annotations

from sqlalchemy import func, select

from adapters.console import iter_lines
from knowledge.models import PastProject
from knowledge.store import KnowledgeUnavailable
from state import ActiveProject, LogEntry, ProjectAlias, SavedEstimate
from tests.updates.conftest import add_project


class RecordingStore:
    """Stands in for the knowledge store at its seam: keeps what was upserted."""

    def __init__(self) -> None:
        self.saved: list[tuple[str, PastProject]] = []

    def upsert(self, tenant: str, projects: list[PastProject]) -> int:
        self.saved += [(tenant, project) for project in projects]
        return len(projects)

    def get_many(self, tenant: str, ids: list[str]) -> dict[str, PastProject]:
        return {p.id: p for t, p in self.saved if t == tenant and p.id in ids}


class DownStore:
    def upsert(self, tenant: str, projects: list[PastProject]) -> int:
        raise KnowledgeUnavailable("the project store is not reachable")

    def get_many(self, tenant: str, ids: list[str]) -> dict[str, PastProject]:
        raise KnowledgeUnavailable("the project store is not reachable")


async def count(harness, table) -> int:
    async with harness.bot.services.db.sessions() as session:
        return (await session.execute(select(func.count()).select_from(table))).scalar_one()


async def test_add_with_no_arguments_asks_the_form_field_by_field(harness, clock) -> None:
    answers = ["Acme web shop", "Acme Corp", "acme, shop", "forty", *[""] * 8, "40"]
    harness.adapter._pending_lines = iter_lines(answers)
    reply = await harness.say("/projects add")
    assert reply.form is not None and reply.form.form_id == "project-form:add"
    screen = harness.screen()
    assert "estimate: `forty` is neither a number of hours" in screen  # re-asked, not lost
    assert "Added Acme web shop" in screen
    project = (await harness.say("/projects active")).text
    assert "Acme web shop" in project and "0 of 40 h" in project


async def test_form_errors_come_back_per_field(harness, clock) -> None:
    from bot.messages import Action

    answer = await harness.bot.handle_action(
        Action(
            action_id="project-form:add",
            tenant="local",
            user_id="alice",
            values={"name": "", "budget": "-5", "due": "whenever", "rate": "abc"},
        )
    )
    assert answer is not None
    assert set(answer.form_errors) == {"name", "budget", "due", "rate"}
    assert await count(harness, ActiveProject) == 0


async def test_one_liner_add_and_aliases_are_case_insensitive(harness, clock) -> None:
    reply = await add_project(
        harness, 'name="Globex Rebrand" client=Globex aliases=GLX estimate=25h due="in 3 weeks"'
    )
    assert "`glx`" in reply.text
    assert (await harness.say("/log glx done: logo sketches 2h")).text.startswith("Logged #1")
    assert (await harness.say("/log Globex rebrand next: colour palette")).text.startswith(
        "Logged #2"
    )
    active = (await harness.say("/projects list active")).text
    assert "2 of 25 h (8%)" in active and "2026-12-22" in active


async def test_bad_one_liners_explain_and_save_nothing(harness, clock) -> None:
    assert "a quote is not closed" in (await harness.say('/projects add name="Acme')).text
    assert (
        "I don't know the field `colour`"
        in (await harness.say("/projects add name=Acme colour=red")).text
    )
    assert "Nothing was saved" in (await harness.say("/projects add name=Acme estimate=-3")).text
    assert await count(harness, ActiveProject) == 0


async def test_due_dates_in_words_and_a_friendly_refusal(harness, clock) -> None:
    # The clock says Tuesday 1 December 2026.
    await add_project(harness, 'name="Acme shop" aliases=acme due="next Friday" start="15 nov"')
    await add_project(harness, 'name="Beta site" aliases=beta due="15 March"')
    active = (await harness.say("/projects list active")).text
    assert "2026-12-04" in active and "2027-03-15" in active, active
    refused = (await harness.say('/projects add name="Gamma app" due="whenever"')).text
    assert "Nothing was saved" in refused and "can't read `whenever` as a due date" in refused
    assert "next Friday" in refused  # the examples of what to write
    assert await count(harness, ActiveProject) == 2


async def test_an_alias_clash_leaves_nothing_half_written(harness, clock) -> None:
    await add_project(harness, "name=Acme aliases=shop")
    clash = await harness.say("/projects add name=Beta aliases=beta,SHOP")
    assert "`shop` is already the name or alias" in clash.text and "nothing was saved" in clash.text
    # The project row and its other aliases were in the same transaction: all rolled back.
    assert await count(harness, ActiveProject) == 1
    async with harness.bot.services.db.sessions() as session:
        aliases = set((await session.execute(select(ProjectAlias.alias))).scalars())
    assert aliases == {"acme", "shop"}


async def test_close_sums_the_log_and_feeds_knowledge(harness, clock) -> None:
    store = RecordingStore()
    harness.bot.services.set_knowledge(store)
    async with harness.bot.services.db.transaction() as session:
        session.add(
            SavedEstimate(
                id="est1",
                tenant="local",
                user_id="alice",
                brief="web shop",
                p10_hours=20,
                p50_hours=30,
                p90_hours=45,
                rate=100,
                currency="USD",
            )
        )
    await add_project(harness, "name=Acme client=Acme estimate=est1")
    await harness.say("/log acme done: build 20h")
    await harness.say("/log acme blocker: API keys came late 2h30")
    closed = await harness.say("/projects close acme")
    assert (
        "Closed **Acme** at 22.5 h (summed from the log) against an estimate of 30 h" in closed.text
    )
    tenant, past = store.saved[0]
    assert tenant == "local" and past.status == "closed" and past.actual_hours == 22.5
    assert past.estimated_hours == 30 and any("API keys" in lesson for lesson in past.lessons)
    async with harness.bot.services.db.sessions() as session:
        estimate = await session.get(SavedEstimate, "est1")
    assert estimate is not None and estimate.actual_hours == 22.5
    # Closed projects leave /log and /update; their name is free again.
    assert "I don't know an active project" in (await harness.say("/log acme done: x")).text
    await add_project(harness, "name=Acme")


async def test_close_with_given_hours_and_a_store_that_is_down(harness, clock) -> None:
    harness.bot.services.set_knowledge(DownStore())
    await add_project(harness, "name=Acme")
    failed = await harness.say("/projects close acme 42")
    assert "couldn't save" in failed.text and "stays active" in failed.text
    assert (await harness.say("/log acme done: still here")).text.startswith("Logged")

    store = RecordingStore()
    harness.bot.services.set_knowledge(store)
    closed = await harness.say("/projects close acme 42h")
    assert "42 h (as given)" in closed.text and store.saved[0][1].actual_hours == 42
    assert await count(harness, LogEntry) == 1


async def test_close_without_hours_or_log_asks_for_them(harness, clock) -> None:
    harness.bot.services.set_knowledge(RecordingStore())
    await add_project(harness, "name=Acme")
    answer = await harness.say("/projects close acme")
    assert "No hours are logged" in answer.text and "/projects close acme 42" in answer.text
