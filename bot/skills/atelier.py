"""`/atelier digest …` and `/atelier home`: the workspace's digest and one's overview.

- ``/atelier digest``: the digest now, for me (the projects I own; the whole workspace when
  I own none);
- ``/atelier digest on fri 15:00 Europe/Berlin``: a weekly DM to each project's owner
  (see :mod:`bot.scheduler`); ``/atelier digest off``; ``/atelier digest status``;
- ``/atelier home``: the home view (the Slack App Home tab shows the same).

Who may do this is decided by the core before the skill runs (guests are refused there).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.digest import DigestOptions, build_digest
from bot.digest_data import get_schedule, project_pulses, set_schedule
from bot.home import HOME_ACTION, build_home, home_reply
from bot.messages import Action, Paragraph, Reply, Request, Visibility, text_reply
from bot.registry import ActionId, Command, SkillError, SkillRegistry
from bot.schedule import EXAMPLE, ScheduleError, Slot, next_slot, parse_slot
from bot.services import Services

USAGE = (
    "Usage: `/atelier digest` (your digest now), `/atelier digest on fri 15:00 Europe/Berlin` "
    "(weekly, to each project's owner), `/atelier digest off`, `/atelier digest status`, "
    "`/atelier home` (your overview)."
)
_ON = {"on", "enable", "schedule", "at", "every"}
_OFF = {"off", "disable", "stop", "none"}
_STATUS = {"status", "when", "setting", "show"}


async def digest_for(services: Services, tenant: str, user_id: str, note: str = "") -> Reply:
    """The digest of the projects ``user_id`` owns, or of the whole workspace when none."""
    pulses = await project_pulses(services.db, tenant)
    mine = [p for p in pulses if p.owner_id == user_id]
    scope = " of yours"
    if not mine:
        mine, scope = pulses, " in this workspace"
    settings = services.settings
    options = DigestOptions(
        today=services.clock().date(),
        stale_days=settings.digest_stale_days,
        near_due_days=settings.digest_near_due_days,
    )
    digest = build_digest(mine, options, note=note, scope=scope)
    facts = {**digest.facts, "tenant": tenant, "owned_only": scope == " of yours"}
    return digest.model_copy(update={"visibility": Visibility.EPHEMERAL, "facts": facts})


def _schedule_facts(tenant: str, slot: Slot | None, now: dt.datetime) -> dict[str, Any]:
    """The setting as scripts read it: ``schedule`` is "off" or e.g. "Fridays at 15:00 (…)"."""
    if slot is None:
        return {"tenant": tenant, "schedule": "off", "next": None}
    upcoming = next_slot(slot, now).astimezone(slot.zone).isoformat()
    return {"tenant": tenant, "schedule": slot.describe(), "next": upcoming}


async def _schedule(request: Request, services: Services, words: list[str]) -> Reply:
    verb = words[0].lower() if words else ""
    now = services.clock()
    if verb in _OFF:
        if len(words) > 1:
            raise SkillError("`/atelier digest off` takes nothing after it.")
        before = await get_schedule(services.db, request.tenant)
        await set_schedule(
            services.db,
            request.tenant,
            None,
            user_id=request.user_id,
            platform=request.platform,
            now=now,
        )
        off = {"facts": _schedule_facts(request.tenant, None, now)}
        if not before.enabled:
            return text_reply("The weekly digest was already off. Nothing changed.").model_copy(
                update=off
            )
        return text_reply(
            "The weekly digest is off. `/atelier digest` still gives you one whenever you ask."
        ).model_copy(update=off)
    if verb in _STATUS:
        schedule = await get_schedule(services.db, request.tenant)
        slot = schedule.slot if schedule.enabled else None
        shown = {"facts": _schedule_facts(request.tenant, slot, now)}
        if not schedule.enabled or schedule.slot is None:
            return text_reply(f"The weekly digest is off. Turn it on with {EXAMPLE}.").model_copy(
                update=shown
            )
        upcoming = next_slot(schedule.slot, now).astimezone(schedule.slot.zone)
        return text_reply(
            f"The weekly digest is on: {schedule.slot.describe()}, to each project's owner. "
            f"Next: {upcoming:%a} {upcoming.day} {upcoming:%b} at {upcoming:%H:%M}."
        ).model_copy(update=shown)
    try:
        slot = parse_slot(" ".join(words[1:]), services.settings.digest_timezone)
    except ScheduleError as problem:
        raise SkillError(f"{problem} Nothing changed.") from None
    await set_schedule(
        services.db,
        request.tenant,
        slot,
        user_id=request.user_id,
        platform=request.platform,
        now=now,
    )
    upcoming = next_slot(slot, now).astimezone(slot.zone)
    on = {"facts": _schedule_facts(request.tenant, slot, now)}
    return text_reply(
        f"Done: a weekly digest on {slot.describe()}. Each project's owner gets a DM with "
        "news to report, how long the client has been waiting, burn against the calendar "
        "and deadlines; projects whose owner I can't DM go to you. Nothing is ever posted "
        f"to a client channel. First one: {upcoming:%a} {upcoming.day} {upcoming:%b} at "
        f"{upcoming:%H:%M}."
    ).model_copy(update=on)


async def atelier_command(request: Request, services: Services) -> Reply:
    words = request.text.split()
    sub = words[0].lower() if words else ""
    if sub == "digest":
        rest = words[1:]
        if not rest:
            digest = await digest_for(services, request.tenant, request.user_id)
            schedule = await get_schedule(services.db, request.tenant)
            facts = {**digest.facts, "schedule": schedule.describe()}
            return digest.model_copy(update={"facts": facts})
        verb = rest[0].lower()
        if verb in _ON | _OFF | _STATUS:
            return await _schedule(request, services, rest)
        # "/atelier digest fri 15:00" is almost certainly meant as "on".
        try:
            parse_slot(" ".join(rest), services.settings.digest_timezone)
        except ScheduleError:
            raise SkillError(f"I don't know `/atelier digest {rest[0][:20]}`. {USAGE}") from None
        raise SkillError(f"Did you mean `/atelier digest on {' '.join(rest)[:60]}`?")
    if sub == "home":
        view = await build_home(
            services.db, request.tenant, request.user_id, services.clock().date()
        )
        return home_reply(view)
    if not sub or sub in {"help", "?"}:
        return text_reply(USAGE)
    raise SkillError(f"I don't know `/atelier {sub[:20]}`. {USAGE}")


async def on_action(action: Action, services: Services) -> Reply:
    """The home view's own buttons."""
    verb = ActionId.parse(action.action_id).verb
    if verb == "digest":
        return await digest_for(services, action.tenant, action.user_id)
    if verb == "home":
        view = await build_home(services.db, action.tenant, action.user_id, services.clock().date())
        return home_reply(view)
    if verb == "add-project":
        from bot.skills.active_projects import PROJECT_FORM

        return Reply(blocks=(PROJECT_FORM,))
    if verb in {"import", "demo"}:
        # Handled by `/projects` like the typed command, so both always answer the same.
        projects = services.commands.get("projects")
        if projects is None:
            return text_reply("Project commands aren't available here.")
        text = "import" if verb == "import" else "demo load"
        request = Request(
            tenant=action.tenant,
            user_id=action.user_id,
            user_name=action.user_name,
            channel_id=action.channel_id,
            is_private=True,
            command="projects",
            text=text,
            platform=action.platform,
            access=action.access,
        )
        return await projects.handler(request, services)
    return Reply(
        blocks=(Paragraph(text="That button is no longer supported; open the home view again."),),
        refused=True,
    )


def setup(registry: SkillRegistry) -> None:
    registry.command(
        Command(
            name="atelier",
            summary="Your weekly digest (now, or on a schedule) and your home overview",
            usage="digest [on <day> <HH:MM> [time zone] | off | status] | home",
            examples=("digest", "digest on fri 15:00 Europe/Berlin", "home"),
            handler=atelier_command,
            option=("what", "digest, digest on fri 15:00 Europe/Berlin, digest off, or home"),
        )
    )
    registry.intent(
        "atelier",
        r"^\s*(?:my\s+|the\s+|weekly\s+)*(?P<text>digest)[?.!\s]*$",
        60,
        "text",
    )
    registry.action(HOME_ACTION, on_action)


__all__ = ["atelier_command", "digest_for", "setup"]
