"""Scheduled digests: exactly once per slot across replicas, and never to a client.

:class:`DigestRunner` does one pass: for every workspace whose digest is on, the most recent
slot at or before now is claimed with a row in ``digest_runs`` (its primary key makes the
claim atomic, so of many replicas exactly one wins) and run by DMing each project owner
through the core's DM port. A slot missed while no replica was running is found by the next
pass after start-up and runs once, late, with a note saying so; older missed slots are folded
into it rather than sent one by one. A replica that dies mid-run leaves its lease to expire;
another takes over and skips the people already reached.

:class:`DigestScheduler` wakes the runner with APScheduler: a cron job per workspace at its
slot (in its time zone), and a periodic sync that picks up schedules changed on any replica
and catches up after a restart.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot.digest import DigestOptions, ProjectPulse, build_digest
from bot.digest_data import ScheduleView, enabled_schedules, project_pulses
from bot.logs import get_logger
from bot.retention import prune_expired
from bot.schedule import WEEKDAYS, latest_slot
from state import DigestRun, affected_rows

if TYPE_CHECKING:
    from bot.core import Bot

log = get_logger(__name__)

LEASE = dt.timedelta(minutes=10)  # a run taking longer than this is presumed dead
LATE_AFTER = dt.timedelta(minutes=15)  # a slot run later than this says so in a note
SYNC_SECONDS = 60.0
STARTUP_DELAY = 5.0  # seconds: the platforms' DM ports are registered as they connect


def slot_key(slot_at: dt.datetime) -> str:
    return slot_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


@dataclass
class RunReport:
    """What one slot's run did: who got a digest, and what each DM became."""

    tenant: str
    slot: str
    late: bool
    outcomes: dict[str, str] = field(default_factory=dict)
    unreached: list[str] = field(default_factory=list)  # project ids nobody could get


def guess_platform(tenant: str) -> str:
    """Discord guild ids are numbers; Slack team and org ids start with a letter."""
    return "discord" if tenant.isdigit() else "slack"


def late_note(schedule: ScheduleView, slot_at: dt.datetime, now: dt.datetime) -> str:
    assert schedule.slot is not None
    local = slot_at.astimezone(schedule.slot.zone)
    hours = (now - slot_at).total_seconds() / 3600
    late = (
        f"{hours:.0f} hour{'' if round(hours) == 1 else 's'}"
        if hours < 48
        else (f"{hours / 24:.0f} days")
    )
    return (
        f"_This digest was due {local:%a} {local.day} {local:%b} at {local:%H:%M} "
        f"({schedule.slot.timezone}), about {late} ago; Atelier wasn't running then, so it "
        "comes late. Everything below is as of now._"
    )


class DigestRunner:
    """One pass over the due slots; safe to call from any number of replicas at once."""

    def __init__(self, bot: Bot, replica_id: str | None = None) -> None:
        self.bot = bot
        self.services = bot.services
        self.replica_id = replica_id or f"replica-{uuid.uuid4().hex[:8]}"

    async def run_due(self, now: dt.datetime | None = None) -> list[RunReport]:
        """Run every slot that is due and not yet run; returns what this replica ran."""
        now = _aware(now or self.services.clock())
        reports = []
        for schedule in await enabled_schedules(self.services.db):
            if schedule.slot is None:
                continue
            slot_at = latest_slot(schedule.slot, now)
            if schedule.enabled_at is not None and slot_at < schedule.enabled_at:
                continue  # turning the digest on never sends the slot that just passed
            try:
                report = await self._run_slot(schedule, slot_at, now)
            except Exception:
                log.exception("digest_run_failed", tenant=schedule.tenant, slot=slot_key(slot_at))
                continue
            if report is not None:
                reports.append(report)
        return reports

    # --- the lease --------------------------------------------------------------------------

    async def _claim(
        self, tenant: str, key: str, now: dt.datetime, late: bool
    ) -> dict[str, str] | None:
        """Claim the slot; the outcomes already recorded (a takeover), or None if not ours."""
        db = self.services.db
        try:
            async with db.transaction() as session:
                session.add(
                    DigestRun(
                        tenant=tenant,
                        slot=key,
                        claimed_by=self.replica_id,
                        claimed_at=now,
                        lease_until=now + LEASE,
                        late=late,
                        outcomes={},
                    )
                )
            return {}
        except IntegrityError:
            pass
        # Someone has it. Take it over only if it never finished and its lease ran out.
        async with db.transaction() as session:
            row = await session.get(DigestRun, (tenant, key))
            if row is None or row.finished_at is not None or _aware(row.lease_until) > now:
                return None
            taken = await session.execute(
                update(DigestRun)
                .where(
                    DigestRun.tenant == tenant,
                    DigestRun.slot == key,
                    DigestRun.claimed_by == row.claimed_by,
                    DigestRun.finished_at.is_(None),
                )
                .values(claimed_by=self.replica_id, claimed_at=now, lease_until=now + LEASE)
            )
            if affected_rows(taken) != 1:
                return None
            log.warning("digest_run_taken_over", tenant=tenant, slot=key, previous=row.claimed_by)
            return dict(row.outcomes or {})

    async def _record(
        self,
        tenant: str,
        key: str,
        outcomes: dict[str, str],
        *,
        finished: dt.datetime | None,
        note: str | None = None,
    ) -> None:
        values: dict[str, object] = {"outcomes": dict(outcomes)}
        if finished is not None:
            values["finished_at"] = finished
        if note is not None:
            values["note"] = note[:300]
        async with self.services.db.transaction() as session:
            await session.execute(
                update(DigestRun)
                .where(
                    DigestRun.tenant == tenant,
                    DigestRun.slot == key,
                    DigestRun.claimed_by == self.replica_id,
                )
                .values(**values)
            )

    # --- one slot ---------------------------------------------------------------------------

    async def _run_slot(
        self, schedule: ScheduleView, slot_at: dt.datetime, now: dt.datetime
    ) -> RunReport | None:
        key = slot_key(slot_at)
        platform = schedule.platform or guess_platform(schedule.tenant)
        if platform not in self.bot.direct_messages:
            return None  # not connected to that platform here: leave the slot to a replica that is
        late = now - slot_at > LATE_AFTER
        done = await self._claim(schedule.tenant, key, now, late)
        if done is None:
            return None
        report = RunReport(schedule.tenant, key, late, outcomes=dict(done))
        pulses = await project_pulses(self.services.db, schedule.tenant)
        by_person, report.unreached = self._recipients(pulses, platform, schedule)
        settings = self.services.settings
        options = DigestOptions(
            today=now.astimezone(schedule.slot.zone if schedule.slot else dt.UTC).date(),
            stale_days=settings.digest_stale_days,
            near_due_days=settings.digest_near_due_days,
        )
        note = late_note(schedule, slot_at, now) if late else ""
        for user_id, theirs in by_person.items():
            if report.outcomes.get(user_id) == "delivered":
                continue  # reached before a takeover
            digest = build_digest(theirs, options, note=note)
            outcome = await self.bot.send_dm(platform, schedule.tenant, user_id, digest)
            state = outcome.state.value
            report.outcomes[user_id] = (
                state if outcome.delivered else (f"{state}: {outcome.reason_code}")
            )
            await self._record(schedule.tenant, key, report.outcomes, finished=None)
        summary = f"{len(by_person)} recipient(s)"
        if report.unreached:
            summary += f"; nobody to DM for {', '.join(report.unreached)}"
        await self._record(
            schedule.tenant,
            key,
            report.outcomes,
            finished=self.services.clock(),
            note=("late; " if late else "") + summary,
        )
        log.info(
            "digest_run",
            tenant=schedule.tenant,
            slot=key,
            late=late,
            recipients=len(by_person),
            delivered=sum(1 for v in report.outcomes.values() if v == "delivered"),
        )
        return report

    def _recipients(
        self, pulses: list[ProjectPulse], platform: str, schedule: ScheduleView
    ) -> tuple[dict[str, list[ProjectPulse]], list[str]]:
        """Each project goes to its owner (who added it), else the fallback person; only
        people the platform can DM, never a channel."""
        port = self.bot.direct_messages.get(platform)

        def reachable(user_id: str) -> bool:
            return bool(user_id) and port is not None and port.can_reach(user_id)

        fallback = self.services.settings.digest_fallback_user or schedule.set_by
        by_person: dict[str, list[ProjectPulse]] = defaultdict(list)
        unreached = []
        for pulse in pulses:
            if reachable(pulse.owner_id):
                by_person[pulse.owner_id].append(pulse)
            elif reachable(fallback):
                by_person[fallback].append(pulse)
            else:
                unreached.append(pulse.project_id)
        return dict(by_person), unreached


class DigestScheduler:
    """APScheduler in the bot's event loop: a cron job per workspace, and a periodic sync."""

    def __init__(
        self,
        runner: DigestRunner,
        *,
        sync_seconds: float = SYNC_SECONDS,
        startup_delay: float = STARTUP_DELAY,
    ) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self.runner = runner
        self.sync_seconds = sync_seconds
        self.startup_delay = startup_delay
        self.scheduler = AsyncIOScheduler(timezone=dt.UTC)
        self._triggers: dict[str, str] = {}
        # The jobs running now, so that closing lets them finish instead of cancelling them
        # halfway through a digest (APScheduler's shutdown cancels its running coroutines).
        self._running: set[asyncio.Task[object]] = set()

    async def _job(self, work: Callable[[], Awaitable[object]]) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await work()
        finally:
            if task is not None:
                self._running.discard(task)

    def start(self) -> None:
        from apscheduler.triggers.interval import IntervalTrigger

        self.scheduler.start()
        # The first sync runs once the platforms have connected: it loads the schedules and
        # catches up slots missed while no replica was running.
        self.scheduler.add_job(
            self._job,
            IntervalTrigger(seconds=self.sync_seconds, timezone=dt.UTC),
            args=(self.sync,),
            id="digest-sync",
            # APScheduler keeps real time; the runner judges slots by the services' clock.
            next_run_time=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.startup_delay),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
        # Bot.start has just pruned; this repeats it for processes that run for days.
        self.scheduler.add_job(
            self._job,
            IntervalTrigger(days=1, timezone=dt.UTC),
            args=(self.prune,),
            id="retention",
            coalesce=True,
            max_instances=1,
        )

    async def prune(self) -> dict[str, int]:
        """Delete bookkeeping rows past their retention (see :mod:`bot.retention`)."""
        services = self.runner.services
        return await prune_expired(services.db, services.settings, services.clock())

    async def sync(self) -> None:
        """Match the cron jobs to the schedules in the database, then run anything due."""
        try:
            schedules = await enabled_schedules(self.runner.services.db)
        except Exception:
            log.exception("digest_sync_failed")
            return
        self.apply(schedules)
        await self.runner.run_due()

    def apply(self, schedules: list[ScheduleView]) -> None:
        from apscheduler.triggers.cron import CronTrigger

        wanted: dict[str, CronTrigger] = {}
        for schedule in schedules:
            if schedule.slot is None:
                continue
            slot = schedule.slot
            wanted[f"digest:{schedule.tenant}"] = CronTrigger(
                day_of_week=WEEKDAYS[slot.weekday],
                hour=slot.hour,
                minute=slot.minute,
                timezone=slot.zone,
            )
        for job_id in set(self._triggers) - set(wanted):
            self.scheduler.remove_job(job_id)
            del self._triggers[job_id]
        for job_id, trigger in wanted.items():
            if self._triggers.get(job_id) == str(trigger):
                continue  # unchanged: replacing it would recompute its next run
            self.scheduler.add_job(
                self._job,
                trigger,
                args=(self.runner.run_due,),
                id=job_id,
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=None,
            )
            self._triggers[job_id] = str(trigger)

    def next_run(self, tenant: str) -> dt.datetime | None:
        job = self.scheduler.get_job(f"digest:{tenant}")
        return job.next_run_time if job is not None else None

    def stop(self) -> None:
        """Stop at once: a job still running is cancelled (see :meth:`aclose`)."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def aclose(self, grace: float = 10.0) -> None:
        """Start no new job, let the running ones finish (a digest half sent, a sync writing
        its run) for up to ``grace`` seconds, then stop."""
        if not self.scheduler.running:
            return
        self.scheduler.pause()
        if running := set(self._running):
            _done, pending = await asyncio.wait(running, timeout=grace)
            if pending:
                log.warning("digest_jobs_cut_short", jobs=len(pending))
        self.stop()


def start_digests(bot: Bot) -> DigestScheduler | None:
    """Start the digest scheduler in the running event loop (unless ATELIER_SCHEDULER=false)."""
    if not bot.services.settings.scheduler:
        log.info("digest_scheduler_off")
        return None
    scheduler = DigestScheduler(DigestRunner(bot))
    scheduler.start()
    log.info("digest_scheduler_started", replica=scheduler.runner.replica_id)
    return scheduler


__all__ = [
    "LATE_AFTER",
    "LEASE",
    "DigestRunner",
    "DigestScheduler",
    "RunReport",
    "guess_platform",
    "late_note",
    "slot_key",
    "start_digests",
]
