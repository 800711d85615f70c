"""Neutral replies -> Slack Block Kit: pure functions, no I/O.

Blocks are built with ``slack_sdk.models.blocks`` so Slack's limits are checked here rather
than discovered as an ``invalid_blocks`` error at send time. Content never gets cut to fit a
limit: long text is split across sections, many sections across messages (at most
:data:`MAX_BLOCKS` blocks each). Every message carries a plain ``text`` fallback, used by
notifications and screen readers.

User and stored text is data: ``&``, ``<`` and ``>`` are escaped (which also defuses
``<!channel>``, ``<!here>`` and ``<@U…>`` mentions) and bare ``@channel``/``@here``/
``@everyone`` are broken by the core's one mention rule
(:func:`bot.mentions.neutralise_mentions`) so they never notify anyone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from adapters.text import split_text, table_lines
from bot.mentions import neutralise_mentions
from bot.messages import (
    Buttons,
    Citations,
    Fields,
    Form,
    Heading,
    Image,
    Paragraph,
    Reply,
    Table,
)

# Slack's limits (https://docs.slack.dev/reference/block-kit/blocks)
MAX_BLOCKS = 50  # blocks per message
MAX_SECTION = 3000  # characters of a section's text
MAX_FIELDS = 10  # fields per section
MAX_FIELD = 2000  # characters per field
MAX_HEADER = 150  # characters of a header
MAX_CONTEXT = 10  # elements per context block
MAX_BUTTONS = 25  # elements per actions block
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_MODAL_TITLE = 24
MAX_PLACEHOLDER = 150
MAX_METADATA = 3000
# Slack rejects very long messages even under 50 blocks; keep each one readable too.
MAX_MESSAGE_CHARS = 12_000
# The fallback is a notification preview; the blocks carry the full content.
MAX_FALLBACK = 3000

_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_MD_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[-*] ", re.MULTILINE)
_ACTION_SUFFIX = "#"


@dataclass(frozen=True)
class SlackMessage:
    """One chat.postMessage / response_url payload: fallback text plus blocks (as dicts)."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Rendered:
    """A reply as Slack sends it: messages in order, then files to upload, maybe a modal."""

    messages: list[SlackMessage]
    images: tuple[Image, ...] = ()
    form: Form | None = None


# --- text ---------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Escape Slack's control characters and defuse broadcast mentions."""
    return neutralise_mentions(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def to_mrkdwn(text: str) -> str:
    """The neutral markdown subset as Slack mrkdwn, with user text escaped.

    ``**bold**`` -> ``*bold*``, ``[label](url)`` -> ``<url|label>``, ``- item`` -> ``• item``,
    ``# Title`` -> ``*Title*``; ``_italic_`` and `` `code` `` are the same in both.
    """
    out: list[str] = []
    position = 0
    for link in _LINK.finditer(text):
        out.append(_format(text[position : link.start()]))
        label = escape(link.group(1)).replace("|", "¦")
        out.append(f"<{escape(link.group(2))}|{label}>")
        position = link.end()
    out.append(_format(text[position:]))
    return "".join(out)


def _format(text: str) -> str:
    text = escape(text)
    text = _BOLD.sub(r"*\1*", text)
    text = _MD_HEADING.sub(r"*\1*", text)
    return _BULLET.sub(r"\1• ", text)


# --- blocks -------------------------------------------------------------------------------


@dataclass
class _Piece:
    block: Block
    fallback: str

    @property
    def size(self) -> int:
        return len(self.fallback)


def _section(text: str) -> list[_Piece]:
    return [
        _Piece(SectionBlock(text=MarkdownTextObject(text=chunk)), chunk)
        for chunk in split_text(text, MAX_SECTION)
        if chunk.strip()
    ]


def _heading(block: Heading) -> list[_Piece]:
    text = block.text.strip()
    if not text:
        return []
    if len(text) <= MAX_HEADER:
        return [_Piece(HeaderBlock(text=PlainTextObject(text=text, emoji=True)), text)]
    return _section(f"*{escape(text)}*")


def _fields(block: Fields) -> list[_Piece]:
    pieces: list[_Piece] = []
    batch: list[str] = []

    def flush() -> None:
        if batch:
            section = SectionBlock(fields=[MarkdownTextObject(text=t) for t in batch])
            pieces.append(_Piece(section, "\n".join(batch)))
            batch.clear()

    for item in block.items:
        text = f"*{escape(item.label)}*\n{to_mrkdwn(item.value)}"
        if len(text) > MAX_FIELD:
            # Too long for a field: give it its own section(s), in place, nothing dropped.
            flush()
            pieces.extend(_section(text))
            continue
        batch.append(text)
        if len(batch) == MAX_FIELDS:
            flush()
    flush()
    return pieces


def _table(block: Table) -> list[_Piece]:
    pieces: list[_Piece] = []
    if block.caption:
        pieces.extend(_section(f"*{escape(block.caption)}*"))
    fence = "```"
    budget = MAX_SECTION - 2 * len(fence) - 2
    chunk: list[str] = []
    size = 0
    lines = [escape(line) for line in table_lines(block)]
    for text in lines:
        for part in split_text(text, budget):
            if chunk and size + len(part) + 1 > budget:
                pieces.append(_code_piece(chunk))
                chunk, size = [], 0
            chunk.append(part)
            size += len(part) + 1
    if chunk:
        pieces.append(_code_piece(chunk))
    return pieces


def _code_piece(lines: list[str]) -> _Piece:
    text = "```\n" + "\n".join(lines) + "\n```"
    return _Piece(SectionBlock(text=MarkdownTextObject(text=text)), text)


def _citations(block: Citations) -> list[_Piece]:
    texts = []
    for item in block.items:
        text = f"[{escape(item.source_id)}] {escape(item.title)}"
        if item.detail:
            text += f" — {to_mrkdwn(item.detail)}"
        texts.extend(split_text(text, MAX_FIELD))
    pieces = []
    for start in range(0, len(texts), MAX_CONTEXT):
        batch = texts[start : start + MAX_CONTEXT]
        context = ContextBlock(elements=[MarkdownTextObject(text=t) for t in batch])
        pieces.append(_Piece(context, "\n".join(batch)))
    return pieces


def _buttons(block: Buttons, used_ids: set[str]) -> list[_Piece]:
    elements: list[ButtonElement] = []
    labels: list[str] = []
    unshown: list[str] = []
    for button in block.items:
        label = button.label.strip() or "…"
        if len(label) > MAX_BUTTON_LABEL:
            label = label[: MAX_BUTTON_LABEL - 1] + "…"
        # (4 characters left for the "#N" that numbers a repeated action id)
        if len(button.value) > MAX_BUTTON_VALUE or len(button.action_id) > MAX_ACTION_ID - 4:
            # The core stores long values (bot/button_values.py), so this is a reply that
            # skipped it: say so for this button rather than lose the whole reply's blocks.
            unshown.append(label)
            continue
        elements.append(
            ButtonElement(
                text=PlainTextObject(text=label, emoji=True),
                action_id=unique_action_id(button.action_id, used_ids),
                value=button.value or None,
                style=None if button.style == "default" else button.style,
            )
        )
        labels.append(f"[{label}]")
    pieces = []
    if unshown:
        names = ", ".join(f"“{escape(label)}”" for label in unshown)
        note = f"_{names}: this button holds too much to show here; run the command again._"
        pieces.extend(_section(note))
    for start in range(0, len(elements), MAX_BUTTONS):
        batch = elements[start : start + MAX_BUTTONS]
        pieces.append(
            _Piece(ActionsBlock(elements=batch), " ".join(labels[start : start + MAX_BUTTONS]))
        )
    return pieces


def unique_action_id(action_id: str, used_ids: set[str]) -> str:
    """Slack rejects a message whose buttons share an action_id: number the repeats."""
    candidate = action_id
    number = 1
    while candidate in used_ids:
        number += 1
        candidate = f"{action_id}{_ACTION_SUFFIX}{number}"
    used_ids.add(candidate)
    return candidate


def original_action_id(action_id: str) -> str:
    """Undo :func:`unique_action_id`."""
    base, sep, number = action_id.rpartition(_ACTION_SUFFIX)
    return base if sep and number.isdigit() else action_id


def to_blocks(reply: Reply) -> Rendered:
    """Render a reply: Block Kit messages (split to fit), images to upload, a modal form."""
    pieces: list[_Piece] = []
    images: list[Image] = []
    form: Form | None = None
    used_ids: set[str] = set()
    for block in reply.blocks:
        match block:
            case Heading():
                pieces.extend(_heading(block))
            case Paragraph(text=text):
                pieces.extend(_section(to_mrkdwn(text)))
            case Fields():
                pieces.extend(_fields(block))
            case Table():
                pieces.extend(_table(block))
            case Citations():
                pieces.extend(_citations(block))
            case Buttons():
                pieces.extend(_buttons(block, used_ids))
            case Image():
                images.append(block)
            case Form():
                form = block
            case _:
                raise TypeError(f"no Slack rendering for block {type(block).__name__}")
    return Rendered(messages=_pack(pieces), images=tuple(images), form=form)


def _pack(pieces: Iterable[_Piece]) -> list[SlackMessage]:
    messages: list[SlackMessage] = []
    batch: list[_Piece] = []
    size = 0
    for piece in pieces:
        if batch and (len(batch) == MAX_BLOCKS or size + piece.size > MAX_MESSAGE_CHARS):
            messages.append(_message(batch))
            batch, size = [], 0
        batch.append(piece)
        size += piece.size
    if batch:
        messages.append(_message(batch))
    return messages


def _message(batch: Sequence[_Piece]) -> SlackMessage:
    # to_dict() runs slack_sdk's validators: a limit we got wrong fails here, loudly.
    blocks = [piece.block.to_dict() for piece in batch]
    return SlackMessage(text=fallback_text(piece.fallback for piece in batch), blocks=blocks)


def fallback_text(parts: Iterable[str]) -> str:
    text = "\n".join(part for part in parts if part).strip()
    if len(text) > MAX_FALLBACK:
        text = text[: MAX_FALLBACK - 1].rstrip() + "…"
    return text or " "


def plain_message(text: str) -> SlackMessage:
    """A short text-only answer (errors, notices), escaped and formatted."""
    return trusted_message(to_mrkdwn(text))


def trusted_message(mrkdwn: str) -> SlackMessage:
    """A message from mrkdwn the adapter wrote itself (already escaped where needed)."""
    return _pack(_section(mrkdwn))[0] if mrkdwn.strip() else SlackMessage(text=" ")


_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


def channel_link(channel_id: str) -> str:
    """``<#C123>`` for a well-formed channel id (Slack shows its name); else the id escaped."""
    return f"<#{channel_id}>" if _CHANNEL_ID.match(channel_id) else f"`{escape(channel_id)}`"


# --- modals -------------------------------------------------------------------------------


def _short(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def to_modal(form: Form, *, channel_id: str, thread_ts: str | None = None) -> dict[str, Any]:
    """A form as a modal view; its fields are input blocks named by field, so a submission's
    ``state.values`` and ``response_action: errors`` both use the form's field names."""
    metadata = json.dumps(
        {"form_id": form.form_id, "value": form.value, "channel_id": channel_id}
        | ({"thread_ts": thread_ts} if thread_ts else {}),
        separators=(",", ":"),
    )
    if len(metadata) > MAX_METADATA:
        raise ValueError(f"form {form.form_id!r} carries too much data for a Slack modal")
    blocks: list[Block] = [
        InputBlock(
            block_id=item.name,
            label=PlainTextObject(text=_short(item.label, MAX_FIELD), emoji=True),
            optional=not item.required,
            element=PlainTextInputElement(
                action_id=item.name,
                multiline=item.multiline,
                placeholder=(
                    PlainTextObject(text=_short(item.placeholder, MAX_PLACEHOLDER))
                    if item.placeholder
                    else None
                ),
                initial_value=item.initial or None,
            ),
        )
        for item in form.fields
    ]
    if not blocks:
        blocks = [SectionBlock(text=MarkdownTextObject(text=escape(form.title)))]
    view = View(
        type="modal",
        callback_id=form.form_id[:255],
        title=PlainTextObject(text=_short(form.title, MAX_MODAL_TITLE)),
        submit=PlainTextObject(text=_short(form.submit_label or "Save", MAX_MODAL_TITLE)),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
        private_metadata=metadata,
    )
    return view.to_dict()


__all__ = [
    "MAX_BLOCKS",
    "MAX_SECTION",
    "Rendered",
    "SlackMessage",
    "channel_link",
    "escape",
    "fallback_text",
    "original_action_id",
    "plain_message",
    "split_text",
    "table_lines",
    "to_blocks",
    "to_modal",
    "to_mrkdwn",
    "trusted_message",
    "unique_action_id",
]
