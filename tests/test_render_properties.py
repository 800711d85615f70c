"""Property-based tests over random Replies, for both platforms: every Reply renders within
the platform's limits, and nothing is lost (every word comes back across the split parts).

Text is drawn from words, emphasis runs, inline code, code fences and line breaks, in sizes
that force splits (long paragraphs, many fields, wide tables, many buttons).
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discord import render as discord_render
from adapters.discord.keys import CUSTOM_ID_LIMIT, ButtonKeys
from adapters.discord.views import button_view
from adapters.slack import blocks as slack_blocks
from adapters.text import split_text
from bot.button_values import MAX_ACTION_ID, MAX_VALUE
from bot.messages import (
    Block,
    Button,
    Buttons,
    Citation,
    Citations,
    FieldItem,
    Fields,
    Heading,
    Paragraph,
    Reply,
    Table,
)
from state import Database
from tests.conftest import MigratedDatabase

WORD = st.text(alphabet="abcdefghij0123", min_size=1, max_size=12)
_TOKENS = re.compile(r"[a-j0-3]+")


@st.composite
def prose(draw: st.DrawFn, max_segments: int = 120) -> str:
    """Words with markup: **bold**, _italic_, `code`, fences, line and paragraph breaks."""
    parts: list[str] = []
    for _ in range(draw(st.integers(0, max_segments))):
        kind = draw(st.sampled_from("wwwwwwbicfnp"))
        if kind == "w":
            parts.append(draw(WORD))
        elif kind == "b":
            parts.append("**" + " ".join(draw(st.lists(WORD, min_size=1, max_size=30))) + "**")
        elif kind == "i":
            parts.append("_" + " ".join(draw(st.lists(WORD, min_size=1, max_size=8))) + "_")
        elif kind == "c":
            parts.append("`" + draw(WORD) + "`")
        elif kind == "f":
            lines = draw(st.lists(st.lists(WORD, max_size=6), min_size=1, max_size=40))
            body = "\n".join(" ".join(line) for line in lines)
            parts.append("\n```\n" + body + "\n```\n")
        elif kind == "n":
            parts.append("\n")
        else:
            parts.append("\n\n")
    return " ".join(parts)


def words(text: str) -> Counter[str]:
    return Counter(_TOKENS.findall(text))


def label() -> st.SearchStrategy[str]:
    return st.lists(WORD, min_size=1, max_size=4).map(" ".join).filter(lambda t: len(t) <= 70)


@st.composite
def buttons(draw: st.DrawFn) -> Buttons:
    """Buttons as the core hands them out (long values are stored: bot/button_values.py)."""
    items = draw(
        st.lists(
            st.builds(
                Button,
                label=label(),
                action_id=st.text("abcxyz:", min_size=1, max_size=MAX_ACTION_ID),
                value=st.text("abc123", max_size=MAX_VALUE),
            ),
            min_size=1,
            max_size=30,
        )
    )
    return Buttons(items=tuple(items))


def block() -> st.SearchStrategy[Block]:
    return st.one_of(
        st.builds(Heading, text=st.lists(WORD, min_size=1, max_size=60).map(" ".join)),
        st.builds(Paragraph, text=prose()),
        st.builds(
            Fields,
            items=st.lists(
                st.builds(FieldItem, label=label(), value=prose(max_segments=40)),
                min_size=1,
                max_size=40,
            ).map(tuple),
        ),
        st.integers(1, 4).flatmap(
            lambda width: st.builds(
                Table,
                columns=st.lists(WORD, min_size=width, max_size=width).map(tuple),
                rows=st.lists(
                    st.lists(
                        st.lists(WORD, max_size=8).map(" ".join), min_size=width, max_size=width
                    ).map(tuple),
                    max_size=60,
                ).map(tuple),
                caption=st.lists(WORD, max_size=5).map(" ".join),
            )
        ),
        st.builds(
            Citations,
            items=st.lists(
                st.builds(Citation, source_id=WORD, title=label(), detail=prose(max_segments=10)),
                min_size=1,
                max_size=15,
            ).map(tuple),
        ),
        buttons(),
    )


def replies() -> st.SearchStrategy[Reply]:
    return st.lists(block(), min_size=1, max_size=12).map(lambda b: Reply(blocks=tuple(b)))


def source_text(reply: Reply) -> str:
    parts: list[str] = []
    for item in reply.blocks:
        match item:
            case Heading(text=text) | Paragraph(text=text):
                parts.append(text)
            case Fields(items=items):
                parts += [f"{i.label} {i.value}" for i in items]
            case Table(columns=columns, rows=rows, caption=caption):
                parts += [caption, *columns, *(cell for row in rows for cell in row)]
            case Citations(items=items):
                parts += [f"{c.source_id} {c.title} {c.detail}" for c in items]
            case Buttons(items=items):
                parts += [b.label for b in items]
    return "\n".join(parts)


def assert_nothing_lost(reply: Reply, rendered: str) -> None:
    missing = words(source_text(reply)) - words(rendered)
    assert not missing, f"lost words: {dict(list(missing.items())[:10])}"


PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- the splitter ---------------------------------------------------------------------------


@PROPERTY
@given(text=prose(), limit=st.integers(40, 3000))
def test_split_text_fits_keeps_every_word_and_balances_fences(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(len(piece) <= limit for piece in pieces)
    assert words("\n".join(pieces)) == words(text)
    if text.count("```") % 2 == 0:
        assert all(piece.count("```") % 2 == 0 for piece in pieces)


# --- Slack Block Kit ------------------------------------------------------------------------


def _slack_text(block: dict[str, object]) -> list[str]:
    texts: list[str] = []
    text = block.get("text")
    if isinstance(text, dict):
        texts.append(str(text["text"]))
    for item in block.get("fields") or block.get("elements") or []:  # type: ignore[attr-defined]
        inner = item.get("text", item)
        texts.append(str(inner["text"] if isinstance(inner, dict) else inner))
    return texts


@PROPERTY
@given(reply=replies())
def test_every_reply_fits_block_kit_and_loses_nothing(reply: Reply) -> None:
    rendered = slack_blocks.to_blocks(reply)  # slack_sdk validates every block on to_dict
    seen: list[str] = []
    for message in rendered.messages:
        assert len(message.blocks) <= 50
        for item in message.blocks:
            if item["type"] == "section":
                if "text" in item:
                    assert len(item["text"]["text"]) <= 3000
                for field in item.get("fields", []):
                    assert len(field["text"]) <= 2000
                assert len(item.get("fields", [])) <= 10
            if item["type"] == "header":
                assert len(item["text"]["text"]) <= 150
            if item["type"] == "actions":
                assert len(item["elements"]) <= 25
                for element in item["elements"]:
                    assert len(element.get("value", "")) <= 2000
                    assert len(element["action_id"]) <= 255
            seen += _slack_text(item)
    assert_nothing_lost(reply, "\n".join(seen))
    pressable = sum(len(b.items) for b in reply.blocks if isinstance(b, Buttons))
    shown = sum(
        len(item["elements"])
        for message in rendered.messages
        for item in message.blocks
        if item["type"] == "actions"
    )
    assert shown == pressable  # no button falls back to text


# --- Discord --------------------------------------------------------------------------------


@PROPERTY
@given(reply=replies())
def test_every_reply_fits_discord_and_loses_nothing(reply: Reply) -> None:
    messages = discord_render.to_messages(reply)
    for message in messages:
        assert len(message.content) <= 2000
        assert len(message.embeds) <= 10
        assert sum(len(embed) for embed in message.embeds) <= 6000
        for embed in message.embeds:
            assert len(embed.title or "") <= 256
            assert len(embed.description or "") <= 4096
            assert len(embed.fields) <= 25
            for field in embed.fields:
                assert len(field.name or "") <= 256 and len(field.value or "") <= 1024
        assert len(message.buttons) <= 25
    assert_nothing_lost(reply, "\n".join(m.visible_text() for m in messages))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(group=buttons())
def test_discord_buttons_fit_rows_and_custom_ids(
    group: Buttons, tmp_path_factory: pytest.TempPathFactory, migrated_database: MigratedDatabase
) -> None:
    url = migrated_database(tmp_path_factory.mktemp("keys") / "keys.db")

    async def render() -> None:
        db = Database(url)
        keys = ButtonKeys(db)
        try:
            for message in discord_render.to_messages(Reply(blocks=(group,))):
                view = await button_view(message.buttons, "111", "222", keys)
                rows = Counter(item.row for item in view.children)
                assert all(count <= 5 for count in rows.values()) and len(rows) <= 5
                for item in view.children:
                    custom_id = item.custom_id  # type: ignore[attr-defined]
                    assert len(custom_id) <= CUSTOM_ID_LIMIT
                    pressed = await keys.decode(custom_id)
                    assert pressed is not None
                    assert any(
                        b.action_id == pressed.action_id and b.value == pressed.value
                        for b in group.items
                    )
        finally:
            await db.close()

    asyncio.run(render())
