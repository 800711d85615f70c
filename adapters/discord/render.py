"""Neutral :class:`~bot.messages.Reply` -> Discord messages (content, embeds, files, buttons).

Pure functions: nothing here talks to Discord. Discord's limits are respected by *splitting*,
never by silently cutting text: a long reply becomes several embeds or several messages.

- A reply of paragraphs only is sent as plain messages (≤ 2000 characters each), split at
  paragraph boundaries (then lines, then words).
- Anything richer becomes embeds: a heading starts an embed (title ≤ 256), paragraphs and tables
  fill its description (≤ 4096; tables as code blocks), fields become embed fields (≤ 25 per
  embed, values ≤ 1024), citations a "Sources" field, images attached files shown in the embed.
  At most 10 embeds and 6000 embed characters go in one message.
- Buttons travel with the last message (≤ 25 per message, 5 rows of 5).
- A :class:`~bot.messages.Form` is not rendered here: it becomes a modal (see ``views.py``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import discord

from adapters.text import split_text, table_lines
from bot.messages import (
    Block,
    Button,
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

MESSAGE_CHARS = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
EMBED_TOTAL = 6000
EMBEDS_PER_MESSAGE = 10
FILES_PER_MESSAGE = 10
BUTTONS_PER_MESSAGE = 25

# A calm accent colour for every embed, so replies read as one family.
EMBED_COLOUR = discord.Colour(0x6C5CE7)


@dataclass(frozen=True)
class Attachment:
    """An image to upload with a message (a fresh ``discord.File`` is made for every send)."""

    data: bytes
    filename: str
    description: str = ""

    def to_file(self) -> discord.File:
        return discord.File(
            io.BytesIO(self.data), filename=self.filename, description=self.description[:1024]
        )


@dataclass
class Outgoing:
    """One Discord message to send."""

    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)

    def files(self) -> list[discord.File]:
        return [attachment.to_file() for attachment in self.attachments]

    def visible_text(self) -> str:
        """Every piece of text this message shows (tests, logs)."""
        parts = [self.content] if self.content else []
        for embed in self.embeds:
            parts.extend(p for p in (embed.title, embed.description) if p)
            for item in embed.fields:
                parts.extend(p for p in (item.name, item.value) if p)
            if embed.footer and embed.footer.text:
                parts.append(embed.footer.text)
        parts.extend(f"[{b.label}]" for b in self.buttons)
        return "\n\n".join(parts)


# --- tables ---------------------------------------------------------------------------------


def table_chunks(table: Table, limit: int) -> list[str]:
    """The table as one or more code blocks of at most ``limit`` characters; each repeats the
    header so every chunk reads on its own."""
    lines = table_lines(table)
    header, body = lines[:2], lines[2:]
    fence_cost = len("```\n") + len("\n```")
    caption = f"**{table.caption}**\n" if table.caption else ""
    chunks: list[str] = []
    current: list[str] = []

    def room(prefix: str) -> int:
        return limit - fence_cost - len(prefix)

    def flush(prefix: str) -> None:
        chunks.append(prefix + "```\n" + "\n".join(header + current) + "\n```")

    head_cost = sum(len(h) + 1 for h in header)
    for row in body:
        prefix = caption if not chunks else ""
        # A row wider than a whole block is wrapped rather than dropped.
        for piece in split_text(row, max(room(prefix) - head_cost - 1, 20)) or [""]:
            size = head_cost + sum(len(r) + 1 for r in current) + len(piece)
            if current and size > room(prefix):
                flush(prefix)
                current = []
                prefix = ""
            current.append(piece)
    if current or not chunks:
        flush(caption if not chunks else "")
    return chunks


# --- embeds ---------------------------------------------------------------------------------


def _new_embed(title: str | None = None) -> discord.Embed:
    return discord.Embed(title=title, colour=EMBED_COLOUR)


def _is_empty(embed: discord.Embed) -> bool:
    return not (embed.title or embed.description or embed.fields or embed.image.url)


def _safe_filename(name: str, taken: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, "png"
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "image"
    ext = re.sub(r"[^A-Za-z0-9]+", "", ext) or "png"
    candidate = f"{stem}.{ext}"
    counter = 1
    while candidate in taken:
        counter += 1
        candidate = f"{stem}-{counter}.{ext}"
    taken.add(candidate)
    return candidate


@dataclass
class _Item:
    """An embed plus the files it shows."""

    embed: discord.Embed
    attachments: list[Attachment] = field(default_factory=list)


class _EmbedBuilder:
    """Fills embeds block by block, opening a new one whenever a limit would be crossed."""

    def __init__(self) -> None:
        self.items: list[_Item] = [_Item(_new_embed())]
        self.filenames: set[str] = set()

    @property
    def current(self) -> _Item:
        return self.items[-1]

    def open(self, title: str | None = None) -> _Item:
        if _is_empty(self.current.embed) and not self.current.attachments:
            self.current.embed.title = title
        else:
            self.items.append(_Item(_new_embed(title)))
        return self.current

    def heading(self, text: str) -> None:
        text = " ".join(text.split())
        if len(text) <= EMBED_TITLE:
            self.open(text)
            return
        # Too long for a title: a shortened title, and the whole heading in bold below it.
        self.open(text[: EMBED_TITLE - 1] + "…")
        self.describe(f"**{text}**")

    def describe(self, text: str, *, whole: bool = False) -> None:
        """Append text to the description; ``whole`` keeps it in one embed (a code block)."""
        pieces = [text] if whole else split_text(text, EMBED_DESCRIPTION)
        for piece in pieces:
            embed = self.current.embed
            joined = f"{embed.description}\n\n{piece}" if embed.description else piece
            grows = len(joined) - len(embed.description or "")
            if len(joined) > EMBED_DESCRIPTION or len(embed) + grows > EMBED_TOTAL:
                embed = self.open().embed
                joined = piece
            embed.description = joined

    def add_field(self, name: str, value: str, inline: bool = False) -> None:
        name = " ".join(name.split()) or "\u200b"
        if len(name) > FIELD_NAME:  # keep the full label: move it into the value
            value = f"**{name}**\n{value}"
            name = name[: FIELD_NAME - 1] + "…"
        chunks = split_text(value, FIELD_VALUE) or ["\u200b"]
        for index, chunk in enumerate(chunks):
            label = name if index == 0 else f"{name[: FIELD_NAME - 9]} (cont.)"
            embed = self.current.embed
            if len(embed.fields) >= EMBED_FIELDS or len(embed) + len(label) + len(chunk) > (
                EMBED_TOTAL
            ):
                embed = self.open().embed
            embed.add_field(name=label, value=chunk, inline=inline and len(chunks) == 1)

    def table(self, table: Table) -> None:
        for chunk in table_chunks(table, EMBED_DESCRIPTION):
            self.describe(chunk, whole=True)

    def image(self, image: Image) -> None:
        item = self.current
        footer = image.alt_text[:2048]
        crowded = len(item.embed) + len(footer) + len(image.title) > EMBED_TOTAL
        if item.embed.image.url or item.attachments or crowded:
            item = self.open(image.title[:EMBED_TITLE] or None)
        elif image.title and not item.embed.title:
            item.embed.title = image.title[:EMBED_TITLE]
        filename = _safe_filename(image.filename, self.filenames)
        item.attachments.append(Attachment(image.data, filename, image.alt_text))
        item.embed.set_image(url=f"attachment://{filename}")
        if footer:
            item.embed.set_footer(text=footer)

    def finished(self) -> list[_Item]:
        return [i for i in self.items if not _is_empty(i.embed) or i.attachments]


def _embed_items(blocks: Sequence[Block]) -> list[_Item]:
    builder = _EmbedBuilder()
    for block in blocks:
        match block:
            case Heading(text=text):
                builder.heading(text)
            case Paragraph(text=text):
                builder.describe(text)
            case Fields(items=items):
                for item in items:
                    builder.add_field(item.label, item.value, inline=len(item.value) <= 40)
            case Table() as table:
                builder.table(table)
            case Citations(items=items):
                lines = [
                    f"`{c.source_id}` {c.title}" + (f" — {c.detail}" if c.detail else "")
                    for c in items
                ]
                builder.add_field("Sources", "\n".join(lines))
            case Image() as image:
                builder.image(image)
            case Buttons() | Form():
                pass  # buttons ride on the last message; forms become modals
    return builder.finished()


def _pack_items(items: list[_Item]) -> list[Outgoing]:
    messages: list[Outgoing] = []
    current = Outgoing()
    total = 0
    for item in items:
        size = len(item.embed)
        too_many = len(current.embeds) >= EMBEDS_PER_MESSAGE
        too_big = total + size > EMBED_TOTAL
        too_many_files = len(current.attachments) + len(item.attachments) > FILES_PER_MESSAGE
        if current.embeds and (too_many or too_big or too_many_files):
            messages.append(current)
            current, total = Outgoing(), 0
        current.embeds.append(item.embed)
        current.attachments.extend(item.attachments)
        total += size
    if current.embeds:
        messages.append(current)
    return messages


def _with_buttons(messages: list[Outgoing], buttons: Sequence[Button]) -> list[Outgoing]:
    groups = [
        list(buttons[i : i + BUTTONS_PER_MESSAGE])
        for i in range(0, len(buttons), BUTTONS_PER_MESSAGE)
    ]
    if not groups:
        return messages
    if not messages:
        messages.append(Outgoing())
    messages[-1].buttons = groups[0]
    messages.extend(Outgoing(buttons=group) for group in groups[1:])
    return messages


def is_plain(blocks: Sequence[Block]) -> bool:
    """Paragraphs (and buttons) only: best sent as ordinary chat messages."""
    return all(isinstance(b, Paragraph | Buttons | Form) for b in blocks)


def to_messages(reply: Reply) -> list[Outgoing]:
    """Render a reply as the Discord messages to send, in order. Nothing is dropped."""
    blocks = list(reply.blocks)
    buttons = [b for block in blocks if isinstance(block, Buttons) for b in block.items]
    if is_plain(blocks):
        text = "\n\n".join(b.text for b in blocks if isinstance(b, Paragraph))
        messages = [Outgoing(content=chunk) for chunk in split_text(text, MESSAGE_CHARS)]
    else:
        messages = _pack_items(_embed_items(blocks))
    return _with_buttons(messages, buttons)


def text_messages(text: str) -> list[Outgoing]:
    """A plain-text answer (a notice, an error) as messages."""
    return [Outgoing(content=chunk) for chunk in split_text(text, MESSAGE_CHARS)]


__all__ = [
    "Attachment",
    "Outgoing",
    "split_text",
    "table_chunks",
    "text_messages",
    "to_messages",
]
