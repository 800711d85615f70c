"""Test-only skills that exercise every kind of reply the Discord adapter must deliver."""

from __future__ import annotations

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

# A tiny valid PNG (1x1 pixel).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


async def echo(request: Request, services: Services) -> Reply:
    return text_reply(
        f"echo [{request.tenant}] {request.user_id}: {request.text}", Visibility.PUBLIC
    )


async def private(request: Request, services: Services) -> Reply:
    return text_reply(f"only for you: {request.text}")


async def long(request: Request, services: Services) -> Reply:
    count = int(request.text or "40")
    paragraphs = tuple(
        Paragraph(text=f"Paragraph {i}: " + "lorem ipsum dolor " * 12) for i in range(count)
    )
    return Reply(blocks=paragraphs, visibility=Visibility.PUBLIC)


async def draft(request: Request, services: Services) -> Reply:
    return Reply(
        blocks=(
            Heading(text="Draft update"),
            Paragraph(text=f"Draft for {request.user_name}: {request.text}"),
            Buttons(
                items=(
                    Button(label="Approve", action_id="fake:approve", value="d1", style="primary"),
                    Button(label="Discard", action_id="fake:discard", value="d1", style="danger"),
                )
            ),
        ),
        visibility=Visibility.DM,
        notice="Draft sent to your DMs.",
    )


async def rich(request: Request, services: Services) -> Reply:
    return Reply(
        blocks=(
            Heading(text="Estimate"),
            Paragraph(text="Based on **3** past projects."),
            Fields(
                items=(FieldItem(label="P50", value="40 h"), FieldItem(label="P90", value="60 h"))
            ),
            Table(columns=("project", "hours"), rows=(("Shop A", "38"), ("Shop B", "45"))),
            Citations(items=(Citation(source_id="p-1", title="Shop A", detail="2024"),)),
            Image(data=PNG, filename="chart.png", alt_text="Hours of similar projects"),
            Buttons(items=(Button(label="Save", action_id="fake:save", value="s1"),)),
        ),
        visibility=Visibility.PUBLIC,
    )


async def loud(request: Request, services: Services) -> Reply:
    return text_reply("Hello @everyone and @here and <@&123456789012345678>", Visibility.PUBLIC)


async def elsewhere(request: Request, services: Services) -> Reply:
    return Reply(
        blocks=(Paragraph(text="Update for the client"),),
        visibility=Visibility.PUBLIC,
        channel_id=request.text.strip(),
    )


FORM = Form(
    form_id="fakeform:add",
    title="Add a project",
    fields=(
        FormField(name="notes", label="Notes", multiline=True),
        FormField(name="name", label="Name", required=True),
        FormField(name="client", label="Client"),
        FormField(name="hours", label="Estimated hours", required=True),
        FormField(name="rate", label="Rate"),
        FormField(name="due", label="Due date"),
        FormField(name="channel", label="Client channel"),
    ),
)


async def form(request: Request, services: Services) -> Reply:
    return Reply(blocks=(FORM,))


async def on_form(action: Action, services: Services) -> Reply:
    hours = action.values.get("hours", "")
    if not hours.replace(".", "", 1).isdigit():
        return Reply(form_errors={"hours": "Please give a number of hours, e.g. 40."})
    return text_reply(
        f"saved {action.values['name']} ({hours} h) notes={action.values.get('notes', '')}",
        Visibility.PUBLIC,
    )


async def on_fake(action: Action, services: Services) -> Reply:
    parsed = ActionId.parse(action.action_id)
    reply = text_reply(f"{parsed.verb} {action.value} by {action.user_id} in {action.tenant}")
    if parsed.verb == "discard":
        return reply.model_copy(update={"replace_original": True})
    return reply


async def broken(request: Request, services: Services) -> Reply:
    return "not a reply"  # type: ignore[return-value]  # a skill bug the adapter must survive


async def empty(request: Request, services: Services) -> Reply:
    return Reply()


def setup(registry: SkillRegistry) -> None:
    def add(name: str, handler, usage: str = "<text>", option=None) -> None:
        registry.command(
            Command(
                name=name,
                summary=f"Test command {name}",
                usage=usage,
                examples=("x",),
                handler=handler,
                option=option,
            )
        )

    add("echo", echo, option=("words", "What to echo back"))
    add("private", private, usage="[text]")
    add("long", long, usage="[count]")
    add("draft", draft)
    add("rich", rich, usage="")
    add("loud", loud, usage="")
    add("elsewhere", elsewhere)
    add("form", form, usage="")
    add("broken", broken, usage="")
    add("empty", empty, usage="")
    registry.intent("echo", r"^echo (?P<rest>.*)$", text_group="rest")
    registry.intent("draft", r"^draft (?P<rest>.*)$", text_group="rest")
    registry.intent("form", r"^new form$")
    registry.intent("loud", r"^be loud$")
    registry.intent("broken", r"^break$")
    registry.intent("elsewhere", r"^post to (?P<rest>\d+)$", text_group="rest")
    registry.action("fake", on_fake)
    registry.action("fakeform", on_form)
