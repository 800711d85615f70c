"""Small stand-in skills for the Slack tests, one per reply shape the adapter must deliver.

They register the product's command names (``/scope``, ``/log``, ``/update``, ``/projects``)
so the tests exercise the same slash commands a workspace has, with replies whose content is
known exactly: a public estimate with a table, citations and a chart; an ephemeral echo; a
private draft with buttons; a form whose submission is validated.
"""

from __future__ import annotations

import struct
import zlib

from bot.messages import (
    Action,
    Button,
    Buttons,
    Citation,
    Citations,
    FieldItem,
    Fields,
    Form,
    FormField,
    Heading,
    Image,
    Paragraph,
    Reply,
    Request,
    Table,
    Visibility,
    text_reply,
)
from bot.registry import ActionId, Command, SkillRegistry
from bot.services import Services

DRAFT_TEXT = "Draft for Harbor Coffee: checkout done, shipping rules next."


def tiny_png() -> bytes:
    """A valid 1×1 PNG, built here so the test needs no image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


async def scope(request: Request, services: Services) -> Reply:
    return Reply(
        visibility=Visibility.PUBLIC,
        blocks=(
            Heading(text="Estimate: 80–120 h"),
            Paragraph(text=f"Based on **3** similar projects for: _{request.text}_"),
            Fields(
                items=(
                    FieldItem(label="P50", value="96 h"),
                    FieldItem(label="Price", value="$9,600"),
                )
            ),
            Table(
                columns=("project", "hours"),
                rows=(("Harbor Coffee shop", "88"), ("Lumen Books store", "104")),
            ),
            Citations(items=(Citation(source_id="p-12", title="Harbor Coffee shop"),)),
            Image(data=tiny_png(), filename="range.png", alt_text="Estimate range chart"),
        ),
    )


async def log(request: Request, services: Services) -> Reply:
    return text_reply(f"Logged for {request.user_name or request.user_id}: {request.text}")


async def update(request: Request, services: Services) -> Reply:
    return Reply(
        visibility=Visibility.DM,
        notice="Draft sent to your DMs.",
        blocks=(
            Heading(text="Draft update"),
            Paragraph(text=DRAFT_TEXT),
            Buttons(
                items=(
                    Button(
                        label="Approve",
                        action_id="update:approve",
                        value="draft-1",
                        style="primary",
                    ),
                    Button(
                        label="Discard", action_id="update:discard", value="draft-1", style="danger"
                    ),
                )
            ),
        ),
    )


PROJECT_FORM = Form(
    form_id="project-form:add",
    title="New project",
    fields=(
        FormField(name="title", label="Title", required=True),
        FormField(name="estimate_hours", label="Estimate (hours)", required=True),
    ),
)


async def projects(request: Request, services: Services) -> Reply:
    if request.text.strip() == "add":
        return Reply(blocks=(PROJECT_FORM,))
    return text_reply("No active projects yet.")


async def announce(request: Request, services: Services) -> Reply:
    """A post to another channel (as approved client updates are)."""
    return Reply(
        blocks=(Paragraph(text=f"Release notes: {request.text}"),),
        visibility=Visibility.PUBLIC,
        channel_id="C0CLIENT",
    )


async def long(request: Request, services: Services) -> Reply:
    """More blocks than one Slack message holds."""
    return Reply(blocks=tuple(Paragraph(text=f"item {i}") for i in range(120)))


async def boom(request: Request, services: Services) -> Reply:
    raise RuntimeError("the database fell over")


async def on_update(action: Action, services: Services) -> Reply:
    verb = ActionId.parse(action.action_id).verb
    return Reply(
        blocks=(Paragraph(text=f"Draft {action.value}: {verb}d by <@{action.user_id}>."),),
        replace_original=True,
    )


async def on_project_form(action: Action, services: Services) -> Reply:
    hours = action.values.get("estimate_hours", "")
    try:
        float(hours)
    except ValueError:
        return Reply(form_errors={"estimate_hours": f"'{hours}' is not a number of hours"})
    return text_reply(f"Saved project **{action.values.get('title', '')}** ({hours} h).")


def setup(registry: SkillRegistry) -> None:
    for name, handler in (
        ("scope", scope),
        ("log", log),
        ("update", update),
        ("projects", projects),
        ("boom", boom),
        ("long", long),
        ("announce", announce),
    ):
        registry.command(
            Command(name=name, summary=f"test {name}", usage="", examples=("",), handler=handler)
        )
    registry.intent("scope", r"how long (?P<brief>.+)", text_group="brief")
    registry.action("update", on_update)
    registry.action("project-form", on_project_form)
