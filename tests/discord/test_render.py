"""Reply -> Discord messages: every limit respected by splitting, nothing lost."""

from __future__ import annotations

import re

from adapters.discord.render import (
    BUTTONS_PER_MESSAGE,
    EMBED_DESCRIPTION,
    EMBED_FIELDS,
    EMBED_TITLE,
    EMBED_TOTAL,
    EMBEDS_PER_MESSAGE,
    FIELD_VALUE,
    MESSAGE_CHARS,
    split_text,
    table_chunks,
    to_messages,
)
from bot.messages import (
    Block,
    Button,
    Buttons,
    Citation,
    Citations,
    FieldItem,
    Fields,
    Heading,
    Image,
    Paragraph,
    Reply,
    Table,
)
from tests.discord.fake_skills import PNG


def _within_limits(messages) -> None:
    for message in messages:
        assert len(message.content) <= MESSAGE_CHARS
        assert len(message.embeds) <= EMBEDS_PER_MESSAGE
        assert sum(len(e) for e in message.embeds) <= EMBED_TOTAL
        assert len(message.buttons) <= BUTTONS_PER_MESSAGE
        for embed in message.embeds:
            assert len(embed.title or "") <= EMBED_TITLE
            assert len(embed.description or "") <= EMBED_DESCRIPTION
            assert len(embed.fields) <= EMBED_FIELDS
            assert all(len(f.value) <= FIELD_VALUE for f in embed.fields)


def _words(text: str) -> list[str]:
    return text.split()


def test_long_plain_reply_becomes_several_messages_split_at_paragraphs() -> None:
    paragraphs = [f"Paragraph {i}: " + "word " * (20 + i * 4) for i in range(60)]
    messages = to_messages(Reply(blocks=tuple(Paragraph(text=p) for p in paragraphs)))
    assert len(messages) > 1
    _within_limits(messages)
    joined = "\n\n".join(m.content for m in messages)
    for paragraph in paragraphs:
        assert paragraph.strip() in joined  # each paragraph whole, in one message
    assert _words(joined) == _words("\n\n".join(paragraphs))  # and in order


def test_split_prefers_paragraphs_then_lines_then_words() -> None:
    text = "a" * 10 + "\n\n" + "b" * 10 + "\nccc ddd eee"
    assert split_text(text, 12) == ["a" * 10, "b" * 10, "ccc ddd eee"]
    word = "x" * 25
    assert split_text(word, 10) == ["x" * 10, "x" * 10, "x" * 5]  # only an unbroken word is cut


def test_long_embed_reply_is_split_across_embeds_and_messages_without_loss() -> None:
    sections = [Paragraph(text=f"Section {i}. " + "detail " * 150) for i in range(30)]
    blocks: list[Block] = [Heading(text="Scope"), *sections]
    blocks.append(Fields(items=tuple(FieldItem(label=f"F{i}", value=f"v{i}") for i in range(60))))
    blocks.append(Buttons(items=(Button(label="Save", action_id="fake:save", value="1"),)))
    messages = to_messages(Reply(blocks=tuple(blocks)))
    _within_limits(messages)
    assert len(messages) > 1
    everything = "\n\n".join(m.visible_text() for m in messages)
    for section in sections:
        assert section.text in everything
    for i in range(60):
        assert f"F{i}\n\nv{i}" in everything
    assert messages[-1].buttons and not any(m.buttons for m in messages[:-1])


def test_over_long_title_keeps_the_whole_heading() -> None:
    heading = "Very long heading " * 30
    (message,) = to_messages(Reply(blocks=(Heading(text=heading), Paragraph(text="body"))))
    embed = message.embeds[0]
    assert embed.title is not None and len(embed.title) <= EMBED_TITLE
    assert " ".join(heading.split()) in (embed.description or "")


def test_big_table_is_several_code_blocks_each_with_its_header() -> None:
    table = Table(
        columns=("project", "hours"),
        rows=tuple((f"Project {i}", str(i)) for i in range(400)),
        caption="Similar projects",
    )
    chunks = table_chunks(table, EMBED_DESCRIPTION)
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(chunk) <= EMBED_DESCRIPTION
        assert chunk.count("```") == 2 and "project" in chunk
    rows = [line for chunk in chunks for line in chunk.splitlines() if line.startswith("Project ")]
    assert [int(r.split()[1]) for r in rows] == list(range(400))
    _within_limits(to_messages(Reply(blocks=(table,))))


def test_rich_reply_maps_each_block() -> None:
    reply = Reply(
        blocks=(
            Heading(text="Estimate"),
            Fields(items=(FieldItem(label="P50", value="40 h"),)),
            Table(columns=("a", "b"), rows=(("1", "2"),)),
            Citations(items=(Citation(source_id="p-1", title="Shop A", detail="2024"),)),
            Image(data=PNG, filename="hours chart.png", alt_text="Hours of similar projects"),
        )
    )
    (message,) = to_messages(reply)
    embed = message.embeds[0]
    assert embed.title == "Estimate"
    assert [(f.name, f.value) for f in embed.fields] == [
        ("P50", "40 h"),
        ("Sources", "`p-1` Shop A — 2024"),
    ]
    assert "```" in (embed.description or "")
    (attachment,) = message.attachments
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", attachment.filename)
    assert embed.image.url == f"attachment://{attachment.filename}"
    assert message.files()[0].fp.read() == PNG  # a fresh file every send
    assert message.files()[0].description == "Hours of similar projects"


def test_more_than_25_buttons_spill_into_another_message() -> None:
    buttons = tuple(Button(label=f"B{i}", action_id="fake:x", value=str(i)) for i in range(30))
    messages = to_messages(Reply(blocks=(Paragraph(text="pick"), Buttons(items=buttons))))
    assert [len(m.buttons) for m in messages] == [25, 5]
    assert messages[0].content == "pick"


def test_an_image_after_a_full_embed_gets_its_own_embed() -> None:
    reply = Reply(
        blocks=(
            Heading(text="Chart"),
            Paragraph(text="d" * 4000),
            Fields(items=tuple(FieldItem(label=f"f{i}", value="v" * 60) for i in range(25))),
            Image(data=PNG, filename="c.png", alt_text="a" * 2000, title="Hours"),
        )
    )
    messages = to_messages(reply)
    _within_limits(messages)
    assert sum(len(m.attachments) for m in messages) == 1
    everything = "\n\n".join(m.visible_text() for m in messages)
    assert "a" * 2000 in everything and "d" * 4000 in everything
