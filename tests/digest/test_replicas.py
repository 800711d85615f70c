"""Scheduled digests on two replicas sharing one state database, with a frozen clock.

Each slot runs exactly once whichever replicas wake up, DMs each project's owner (the person
who turned the digest on gets the projects nobody else can be reached for), never a channel;
a slot missed while no replica ran goes out once, late, with a note.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select

from bot.core import Bot
from bot.messages import Access, DeliveryOutcome, Reply, Role
from bot.scheduler import DigestRunner, DigestScheduler, slot_key
from state import DigestRun
from tests.digest.conftest import SLOT, FrozenClock, RecordingDMs, ask


async def _workspace(bot: Bot) -> None:
    """U1 owns Acme (with news), U2 owns Beta; a project added from the CLI has no DM-able owner."""
    for user, line in (
        ("U1", 'add name="Acme shop" client=Acme estimate=40 client_channel=CCLIENT'),
        ("U2", "add name=Beta client=Beta estimate=20"),
        ("cli", "add name=Gamma"),
    ):
        reply = await ask(bot, "projects", line, user=user)
        assert not reply.refused, reply.text
    for line in ("acme-shop done: checkout flow, 6h", "acme-shop blocker: waiting for the keys"):
        reply = await ask(bot, "log", line, user="U1")
        assert not reply.refused, reply.text
    reply = await ask(bot, "atelier", "digest on fri 15:00 Europe/Berlin", user="U1")
    assert not reply.refused, reply.text


def _ports(*bots: Bot) -> list[RecordingDMs]:
    ports = []
    for bot in bots:
        port = RecordingDMs()
        bot.add_direct_messages(port)
        ports.append(port)
    return ports


async def _runs(bot: Bot) -> list[DigestRun]:
    async with bot.services.db.sessions() as session:
        return list(await session.scalars(select(DigestRun)))


async def test_a_slot_runs_once_across_two_replicas_and_dms_the_owners(
    replicas: tuple[Bot, Bot], clock: FrozenClock
) -> None:
    first, second = replicas
    await _workspace(first)
    ports = _ports(first, second)
    clock.now = SLOT - dt.timedelta(seconds=1)
    assert await DigestRunner(first).run_due() == []  # not yet

    clock.now = SLOT + dt.timedelta(seconds=20)
    reports = await asyncio.gather(
        DigestRunner(first, "one").run_due(), DigestRunner(second, "two").run_due()
    )
    assert sorted(len(r) for r in reports) == [0, 1]  # exactly one replica ran the slot
    sent = [dm for port in ports for dm in port.sent]
    assert sorted(user for _tenant, user, _reply in sent) == ["U1", "U2"]
    by_user = {user: reply for _tenant, user, reply in sent}
    # U1 owns Acme and turned the digest on, so also gets Gamma (added from the CLI).
    assert "Acme shop" in by_user["U1"].text and "Gamma" in by_user["U1"].text
    assert "Beta" not in by_user["U1"].text
    assert "Beta" in by_user["U2"].text and "Acme" not in by_user["U2"].text
    assert "2 log entries not yet reported" in by_user["U1"].text
    assert "comes late" not in by_user["U1"].text
    [draft] = by_user["U1"].buttons
    assert (draft.action_id, draft.value) == ("update:draft", "acme-shop")
    assert not by_user["U2"].buttons  # no news on Beta: nothing to draft
    for reply in by_user.values():  # only ever a DM, never a channel (the client's least of all)
        assert reply.channel_id is None and reply.visibility.value == "dm"
        assert "@channel" not in reply.text and "<!" not in reply.text

    [run] = await _runs(first)
    assert run.slot == slot_key(SLOT) and run.finished_at is not None and not run.late
    assert run.outcomes == {"U1": "delivered", "U2": "delivered"}

    # Later wake-ups in the same week (the cron job, the periodic sync) send nothing more.
    clock.now = SLOT + dt.timedelta(hours=3)
    again = await asyncio.gather(DigestRunner(first).run_due(), DigestRunner(second).run_due())
    assert again == [[], []]
    assert sum(len(port.sent) for port in ports) == 2


async def test_the_draft_button_drafts_the_news_privately(
    replicas: tuple[Bot, Bot], clock: FrozenClock
) -> None:
    first, _second = replicas
    await _workspace(first)
    [port] = _ports(first)
    clock.now = SLOT + dt.timedelta(minutes=1)
    await DigestRunner(first).run_due()
    [button] = next(reply for _t, user, reply in port.sent if user == "U1").buttons
    from bot.messages import Action

    draft = await first.handle_action(
        Action(
            action_id=button.action_id,
            value=button.value,
            tenant="T1",
            user_id="U1",
            platform="slack",
        )
    )
    assert draft is not None and draft.visibility.value == "dm"
    assert "Draft update — Acme shop" in draft.text and "heckout flow" in draft.text


async def test_a_slot_missed_while_down_runs_once_late_with_a_note(
    replicas: tuple[Bot, Bot], clock: FrozenClock
) -> None:
    first, second = replicas
    await _workspace(first)
    ports = _ports(first, second)
    # No replica ran on Friday; one starts again on Sunday morning.
    clock.now = SLOT + dt.timedelta(days=1, hours=20)
    reports = await asyncio.gather(DigestRunner(first).run_due(), DigestRunner(second).run_due())
    [report] = [r for rs in reports for r in rs]
    assert report.late and report.slot == slot_key(SLOT)
    sent = [reply for port in ports for _t, _u, reply in port.sent]
    assert len(sent) == 2
    for reply in sent:
        assert "was due Fri 4 Dec at 15:00 (Europe/Berlin)" in reply.text
        assert "comes late" in reply.text
    [run] = await _runs(first)
    assert run.late and (run.note or "").startswith("late")
    clock.now += dt.timedelta(hours=1)
    assert await DigestRunner(second).run_due() == []


async def test_turning_it_on_never_sends_the_slot_that_just_passed(
    replicas: tuple[Bot, Bot], clock: FrozenClock
) -> None:
    first, _second = replicas
    clock.now = SLOT + dt.timedelta(hours=1)  # Friday 16:00 in Berlin
    await _workspace(first)
    [port] = _ports(first)
    clock.now = SLOT + dt.timedelta(hours=2)
    assert await DigestRunner(first).run_due() == []
    clock.now = SLOT + dt.timedelta(days=7, seconds=5)
    assert len(await DigestRunner(first).run_due()) == 1
    assert len(port.sent) == 2


async def test_a_run_whose_replica_died_is_taken_over_without_repeating_dms(
    replicas: tuple[Bot, Bot], clock: FrozenClock
) -> None:
    first, second = replicas
    await _workspace(first)
    [port] = _ports(second)
    clock.now = SLOT + dt.timedelta(minutes=30)
    async with first.services.db.transaction() as session:
        session.add(  # claimed by a replica that reached U1, then died
            DigestRun(
                tenant="T1",
                slot=slot_key(SLOT),
                claimed_by="dead",
                claimed_at=SLOT,
                lease_until=SLOT + dt.timedelta(minutes=10),
                late=False,
                outcomes={"U1": "delivered"},
            )
        )
    [report] = await DigestRunner(second, "two").run_due()
    assert [user for _t, user, _r in port.sent] == ["U2"]
    assert report.outcomes == {"U1": "delivered", "U2": "delivered"}


async def test_a_lease_still_held_is_left_alone(
    replicas: tuple[Bot, Bot], clock: FrozenClock
) -> None:
    first, second = replicas
    await _workspace(first)
    [port] = _ports(second)
    clock.now = SLOT + dt.timedelta(minutes=2)
    async with first.services.db.transaction() as session:
        session.add(
            DigestRun(
                tenant="T1",
                slot=slot_key(SLOT),
                claimed_by="busy",
                claimed_at=SLOT,
                lease_until=SLOT + dt.timedelta(minutes=10),
                late=False,
                outcomes={},
            )
        )
    assert await DigestRunner(second).run_due() == []
    assert port.sent == []


async def test_a_refused_dm_is_recorded_and_the_others_still_go_out(
    replicas: tuple[Bot, Bot], clock: FrozenClock
) -> None:
    first, _second = replicas
    await _workspace(first)
    [port] = _ports(first)
    port.refuse.add("U2")
    clock.now = SLOT + dt.timedelta(minutes=1)
    [report] = await DigestRunner(first).run_due()
    assert report.outcomes == {"U1": "delivered", "U2": "refused: cannot_dm_user"}


async def test_off_means_no_digest(replicas: tuple[Bot, Bot], clock: FrozenClock) -> None:
    first, _second = replicas
    await _workspace(first)
    [port] = _ports(first)
    reply = await ask(first, "atelier", "digest off", user="U2")
    assert "is off" in reply.text
    clock.now = SLOT + dt.timedelta(minutes=1)
    assert await DigestRunner(first).run_due() == []
    assert port.sent == []


async def test_guests_may_not_change_the_schedule(
    replicas: tuple[Bot, Bot], clock: FrozenClock
) -> None:
    first, _second = replicas
    guest = Access(role=Role.GUEST)
    reply = await ask(first, "atelier", "digest on fri 15:00", user="UGUEST", access=guest)
    assert reply.refused
    status = await ask(first, "atelier", "digest status")
    assert "is off" in status.text
    reply = await ask(first, "atelier", "digest", user="UGUEST", access=guest)
    assert reply.refused and "Acme" not in reply.text


async def test_apscheduler_fires_at_the_slot_in_the_workspace_time_zone(
    replicas: tuple[Bot, Bot], clock: FrozenClock
) -> None:
    first, _second = replicas
    await _workspace(first)
    scheduler = DigestScheduler(DigestRunner(first))
    scheduler.scheduler.start(paused=True)  # jobs are scheduled, none runs
    try:
        from bot.digest_data import enabled_schedules

        scheduler.apply(await enabled_schedules(first.services.db))
        upcoming = scheduler.next_run("T1")
        assert upcoming is not None
        assert upcoming.astimezone(dt.UTC) >= dt.datetime.now(dt.UTC)
        local = upcoming.astimezone(dt.timezone(dt.timedelta(hours=1)))
        assert (local.weekday(), local.hour, local.minute) in {(4, 15, 0), (4, 16, 0)}
        await ask(first, "atelier", "digest off")
        scheduler.apply(await enabled_schedules(first.services.db))
        assert scheduler.next_run("T1") is None
    finally:
        scheduler.stop()


async def test_a_replica_without_the_platform_leaves_the_slot_to_one_with_it(
    replicas: tuple[Bot, Bot], clock: FrozenClock
) -> None:
    first, second = replicas  # only the second is connected to Slack
    await _workspace(first)
    [port] = _ports(second)
    clock.now = SLOT + dt.timedelta(minutes=1)
    assert await DigestRunner(first).run_due() == []
    assert len(await DigestRunner(second).run_due()) == 1
    assert len(port.sent) == 2


async def test_the_scheduler_syncs_on_start_and_runs_the_due_slot(
    replicas: tuple[Bot, Bot], clock: FrozenClock
) -> None:
    first, _second = replicas
    await _workspace(first)
    [port] = _ports(first)
    delivered = asyncio.Event()
    send = port.send_dm

    async def send_and_tell(tenant: str, user_id: str, reply: Reply) -> DeliveryOutcome:
        outcome = await send(tenant, user_id, reply)
        if len(port.sent) == 2:
            delivered.set()
        return outcome

    port.send_dm = send_and_tell  # type: ignore[method-assign]
    clock.now = SLOT + dt.timedelta(minutes=3)  # a restart just after the slot
    scheduler = DigestScheduler(DigestRunner(first), startup_delay=0)
    scheduler.start()
    try:
        await asyncio.wait_for(delivered.wait(), 10)
    finally:
        await scheduler.aclose()  # the sync that sent them finishes recording its run
    assert sorted(user for _t, user, _r in port.sent) == ["U1", "U2"]
    assert scheduler.next_run("T1") is not None  # and the weekly cron job is in place
