"""The platform-neutral message model.

Adapters translate a platform event into a :class:`Request` or an :class:`Action`, hand it to
``Bot.handle`` / ``Bot.handle_action`` and render the :class:`Reply` they get back. Skills only
ever see these types, never a Slack payload or a discord.py object.

Paragraph text uses a small markdown subset that every adapter can render:
``**bold**``, ``_italic_``, `` `code` ``, ``[label](https://url)`` and lines starting with ``- ``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Visibility(StrEnum):
    """Who may see a reply."""

    PUBLIC = "public"  # everyone in the channel / thread
    EPHEMERAL = "ephemeral"  # only the requester, in place
    DM = "dm"  # delivered privately to the requester's direct messages


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Role(StrEnum):
    """What the platform says a person is, relative to the workspace that installed Atelier."""

    MEMBER = "member"  # a full member of the installing workspace / server
    GUEST = "guest"  # a guest account (Slack single- and multi-channel guests)
    EXTERNAL = "external"  # from another organisation (Slack Connect, another team)
    UNKNOWN = "unknown"  # not known: the lookup failed or was not made


class Access(_Frozen):
    """Who is asking, and where: the platform's facts, filled in by the adapter.

    The core decides from these alone whether the person may use Atelier and whether answers
    must stay private. The default is the console's and the CLI's local user: a member, in a
    private place. Platform adapters start from :attr:`Role.UNKNOWN` and fill in what the
    platform says, so a request whose lookup was skipped or failed is refused.
    """

    role: Role = Role.MEMBER
    group_ids: frozenset[str] = Field(
        default_factory=frozenset,
        description="user groups / roles the person belongs to (as far as allowlists need)",
    )
    is_admin: bool = Field(
        default=False, description="holds the platform's manage-the-workspace permission"
    )
    shared_channel: bool = Field(
        default=False, description="people from outside the studio can read the channel"
    )
    private_in_place: bool = Field(
        default=True,
        description="an answer only the requester sees can be shown where they asked",
    )


MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024  # a file shared in chat; bigger ones go through the CLI


class Attachment(_Frozen):
    """A file someone shared with their request (a DM upload, a command's attachment).

    Adapters fetch the bytes and pass them on as data; a file over
    :data:`MAX_ATTACHMENT_BYTES` comes without ``content`` (``size`` says how big it was) so
    the core can say so instead of the adapter downloading it.
    """

    filename: str = Field(min_length=1, max_length=255)
    size: int = Field(ge=0, description="bytes, as the platform reports them")
    content: bytes | None = Field(default=None, repr=False, description="None: not fetched")
    content_type: str = ""


class Request(_Frozen):
    """Something a person said to the bot: a slash command, a mention or a DM."""

    tenant: str = Field(min_length=1, description="Slack team id, Discord guild id or 'local'")
    user_id: str = Field(min_length=1)
    user_name: str = ""
    channel_id: str = ""
    thread_id: str | None = None
    is_private: bool = False
    command: str | None = Field(default=None, description="slash command without '/', or None")
    text: str = ""
    event_id: str | None = None
    platform: str = "console"
    access: Access = Field(default_factory=Access)
    attachments: tuple[Attachment, ...] = Field(
        default=(), description="files shared with the request (e.g. history to import)"
    )
    max_attachment_bytes: int = Field(
        default=MAX_ATTACHMENT_BYTES,
        ge=1,
        description="the largest attached file the core reads, set by the adapter for its "
        "channel (chat: MAX_ATTACHMENT_BYTES; the command line allows more)",
    )
    raw: Mapping[str, Any] = Field(default_factory=dict, repr=False)


class Action(_Frozen):
    """A button press or a submitted form."""

    action_id: str = Field(min_length=1)
    value: str = ""
    tenant: str = Field(min_length=1)
    user_id: str = Field(min_length=1)
    user_name: str = ""
    channel_id: str = ""
    message_id: str | None = None
    values: Mapping[str, str] = Field(default_factory=dict, description="form fields")
    event_id: str | None = None
    platform: str = "console"
    access: Access = Field(default_factory=Access)
    raw: Mapping[str, Any] = Field(default_factory=dict, repr=False)


# --- reply blocks -------------------------------------------------------------------------


class Heading(_Frozen):
    kind: Literal["heading"] = "heading"
    text: str


class Paragraph(_Frozen):
    kind: Literal["paragraph"] = "paragraph"
    text: str


class FieldItem(_Frozen):
    label: str
    value: str


class Fields(_Frozen):
    kind: Literal["fields"] = "fields"
    items: tuple[FieldItem, ...]


class Table(_Frozen):
    kind: Literal["table"] = "table"
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


class Citation(_Frozen):
    """A pointer to the data a number came from (a past project, a log entry)."""

    source_id: str
    title: str
    detail: str = ""


class Citations(_Frozen):
    kind: Literal["citations"] = "citations"
    items: tuple[Citation, ...]


class Button(_Frozen):
    label: str
    action_id: str
    value: str = ""
    style: Literal["default", "primary", "danger"] = "default"
    keyword: str = Field(default="", description="what a console user types to press it")


class Buttons(_Frozen):
    kind: Literal["buttons"] = "buttons"
    items: tuple[Button, ...]


class Image(_Frozen):
    kind: Literal["image"] = "image"
    data: bytes = Field(repr=False)
    filename: str = "chart.png"
    alt_text: str
    title: str = ""


class FormField(_Frozen):
    name: str
    label: str
    required: bool = False
    multiline: bool = False
    placeholder: str = ""
    initial: str = ""


class Form(_Frozen):
    """A form to fill in: a Slack modal, a Discord modal, console prompts.

    Its submission comes back as an :class:`Action` with ``action_id == form_id`` and the
    answers in ``Action.values``.
    """

    kind: Literal["form"] = "form"
    form_id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = "Save"
    value: str = ""


Block = Annotated[
    Heading | Paragraph | Fields | Table | Citations | Buttons | Image | Form,
    Field(discriminator="kind"),
]


class DeliveryState(StrEnum):
    """What the platform did with a message it was asked to post."""

    DELIVERED = "delivered"  # the platform confirmed it and gave it an id
    REFUSED = "refused"  # the platform said no: nothing was sent
    UNKNOWN = "unknown"  # no answer (timeout, dropped connection): it may or may not be there


class DeliveryOutcome(_Frozen):
    """An adapter's report of one delivery, in neutral terms (see :class:`ConfirmDelivery`)."""

    state: DeliveryState
    channel_id: str = ""
    message_id: str | None = Field(
        default=None, description="the platform's id: Slack ts, Discord message id"
    )
    permalink: str | None = Field(default=None, description="a link to the message, if any")
    reason_code: str = Field(
        default="", description="the platform's word for the problem: not_in_channel, forbidden…"
    )
    reason: str = Field(default="", description="the problem in plain words, for the requester")
    complete: bool = Field(
        default=True, description="False: only the first part of a split message arrived"
    )

    @property
    def delivered(self) -> bool:
        return self.state is DeliveryState.DELIVERED

    @classmethod
    def ok(
        cls, channel_id: str, message_id: str | None, permalink: str | None = None
    ) -> DeliveryOutcome:
        return cls(
            state=DeliveryState.DELIVERED,
            channel_id=channel_id,
            message_id=message_id,
            permalink=permalink,
        )

    @classmethod
    def refused(cls, channel_id: str, reason_code: str, reason: str) -> DeliveryOutcome:
        return cls(
            state=DeliveryState.REFUSED,
            channel_id=channel_id,
            reason_code=reason_code,
            reason=reason,
        )

    @classmethod
    def unknown(cls, channel_id: str, reason_code: str, reason: str) -> DeliveryOutcome:
        return cls(
            state=DeliveryState.UNKNOWN,
            channel_id=channel_id,
            reason_code=reason_code,
            reason=reason,
        )


class ConfirmDelivery(_Frozen):
    """Set on a reply whose delivery the core must hear about (a post to a client channel).

    The adapter posts the reply to ``Reply.channel_id``, then hands what the platform did to
    ``Bot.confirm_delivery(confirm, outcome)`` and delivers the reply it gets back to the
    requester, like any answer. ``key`` is opaque to adapters (``prefix:…``, like an action
    id): it routes the outcome to the skill that asked.
    """

    key: str = Field(min_length=1)
    tenant: str = Field(min_length=1)
    user_id: str = Field(min_length=1)


class Reply(_Frozen):
    """What the bot answers, as neutral blocks plus who may see it."""

    blocks: tuple[Block, ...] = ()
    visibility: Visibility = Visibility.EPHEMERAL
    notice: str = Field(
        default="",
        description="for dm replies: the short note shown where the request was made",
    )
    form_errors: Mapping[str, str] = Field(
        default_factory=dict, description="field name -> message, for a form submission"
    )
    replace_original: bool = False
    channel_id: str | None = Field(
        default=None,
        description="deliver to this channel instead of the request's (e.g. a client channel)",
    )
    confirm: ConfirmDelivery | None = Field(
        default=None,
        description="report what the platform did with this reply to Bot.confirm_delivery",
    )
    refused: bool = Field(
        default=False,
        description="nothing was done (a refusal, bad input, a failure): scripts exit non-zero",
    )
    facts: Mapping[str, Any] = Field(
        default_factory=dict,
        description="the figures behind the answer, JSON-serialisable (scripts, tests); "
        "empty when the skill gives none",
    )
    command: str | None = Field(
        default=None,
        description="the command that answered a Request (set by Bot.handle, however it was "
        "routed: slash command, typed /command, intent or classifier); None when none ran",
    )
    command_text: str = Field(
        default="", description="the text that command was given (its arguments)"
    )

    @property
    def text(self) -> str:
        """A plain-text rendering: notification fallback, logs, tests, accessibility."""
        return plain_text(self.blocks)

    @property
    def buttons(self) -> tuple[Button, ...]:
        return tuple(b for block in self.blocks if isinstance(block, Buttons) for b in block.items)

    @property
    def form(self) -> Form | None:
        return next((b for b in self.blocks if isinstance(b, Form)), None)


def plain_text(blocks: Sequence[Block]) -> str:
    """Render blocks as plain text, nothing dropped."""
    parts: list[str] = []
    for block in blocks:
        match block:
            case Heading(text=text):
                parts.append(text)
            case Paragraph(text=text):
                parts.append(text)
            case Fields(items=items):
                parts.append("\n".join(f"{f.label}: {f.value}" for f in items))
            case Table(columns=columns, rows=rows, caption=caption):
                lines = [" | ".join(columns)] + [" | ".join(row) for row in rows]
                if caption:
                    lines.insert(0, caption)
                parts.append("\n".join(lines))
            case Citations(items=items):
                parts.append(
                    "\n".join(
                        f"[{c.source_id}] {c.title}" + (f" — {c.detail}" if c.detail else "")
                        for c in items
                    )
                )
            case Buttons(items=items):
                parts.append(" ".join(f"[{b.label}]" for b in items))
            case Image(alt_text=alt, title=title):
                parts.append(f"(image: {title or alt})")
            case Form(title=title, fields=fields):
                parts.append(f"{title}: " + ", ".join(f.label for f in fields))
    return "\n\n".join(p for p in parts if p)


def reply(*blocks: Block, visibility: Visibility = Visibility.EPHEMERAL, notice: str = "") -> Reply:
    """Shorthand: ``reply(Heading(text="Hi"), Paragraph(text="..."))``."""
    return Reply(blocks=blocks, visibility=visibility, notice=notice)


def text_reply(text: str, visibility: Visibility = Visibility.EPHEMERAL) -> Reply:
    return Reply(blocks=(Paragraph(text=text),), visibility=visibility)


def refusal_reply(text: str) -> Reply:
    """A plain answer saying why nothing was done (``Reply.refused``)."""
    return Reply(blocks=(Paragraph(text=text),), refused=True)


__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "Access",
    "Action",
    "Attachment",
    "Block",
    "Button",
    "Buttons",
    "Citation",
    "Citations",
    "ConfirmDelivery",
    "DeliveryOutcome",
    "DeliveryState",
    "FieldItem",
    "Fields",
    "Form",
    "FormField",
    "Heading",
    "Image",
    "Paragraph",
    "Reply",
    "Request",
    "Role",
    "Table",
    "Visibility",
    "plain_text",
    "refusal_reply",
    "reply",
    "text_reply",
]
