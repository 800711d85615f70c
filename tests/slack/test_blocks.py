"""Reply -> Block Kit: Slack's limits respected by splitting, never by dropping content."""

from __future__ import annotations

import json
import re

from adapters.slack.blocks import (
    MAX_BLOCKS,
    MAX_SECTION,
    escape,
    original_action_id,
    split_text,
    to_blocks,
    to_modal,
    to_mrkdwn,
)
from bot.messages import (
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
    Table,
)


def _texts(messages) -> str:
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") in {"mrkdwn", "plain_text"}:
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for message in messages:
        walk(message.blocks)
    return "\n".join(found)


def test_markdown_subset_becomes_mrkdwn():
    text = "**Done**: see [the brief](https://example.com/a?b=1&c=2)\n- one\n- _two_ `x`"
    assert to_mrkdwn(text) == (
        "*Done*: see <https://example.com/a?b=1&amp;c=2|the brief>\n• one\n• _two_ `x`"
    )


def test_user_text_cannot_mention_or_inject_markup():
    shown = to_mrkdwn("<!channel> <!here|here> <@U123> @everyone a<b & c>d")
    assert "<" not in shown.replace("&lt;", "") and ">" not in shown.replace("&gt;", "")
    assert "@everyone" not in shown and "@\u200beveryone" in shown
    assert escape("R&D <team>") == "R&amp;D &lt;team&gt;"


def test_long_paragraph_is_split_into_sections_without_losing_a_word():
    words = [f"word{i}" for i in range(3000)]  # ~26,000 characters
    rendered = to_blocks(Reply(blocks=(Paragraph(text=" ".join(words)),)))
    sections = [b for m in rendered.messages for b in m.blocks]
    assert len(sections) > 8
    assert all(len(b["text"]["text"]) <= MAX_SECTION for b in sections)
    assert _texts(rendered.messages).split() == words


def test_many_blocks_are_split_across_messages_each_under_the_limit():
    blocks = tuple(Paragraph(text=f"line {i}") for i in range(130))
    rendered = to_blocks(Reply(blocks=blocks))
    assert len(rendered.messages) == 3
    assert all(len(m.blocks) <= MAX_BLOCKS for m in rendered.messages)
    assert re.findall(r"line \d+", _texts(rendered.messages)) == [f"line {i}" for i in range(130)]
    assert all(m.text.strip() for m in rendered.messages)  # fallback text on every message


def test_fields_are_grouped_ten_per_section():
    items = tuple(FieldItem(label=f"L{i}", value=f"v{i}") for i in range(23))
    (message,) = to_blocks(Reply(blocks=(Fields(items=items),))).messages
    assert [len(b["fields"]) for b in message.blocks] == [10, 10, 3]


def test_table_is_an_aligned_code_block_and_long_tables_split():
    table = Table(columns=("project", "hours"), rows=(("Shop", "88"), ("Blog & CMS", "104")))
    (message,) = to_blocks(Reply(blocks=(table,))).messages
    text = message.blocks[0]["text"]["text"]
    assert text.splitlines() == [
        "```",
        "project     hours",
        "----------  -----",
        "Shop           88",  # figures right-aligned (adapters/text.py)
        "Blog &amp; CMS    104",
        "```",
    ]
    big = Table(columns=("n", "text"), rows=tuple((str(i), "x" * 80) for i in range(200)))
    blocks = [b for m in to_blocks(Reply(blocks=(big,))).messages for b in m.blocks]
    assert len(blocks) > 5
    assert all(
        b["text"]["text"].startswith("```") and len(b["text"]["text"]) <= 3000 for b in blocks
    )
    rows = [line for b in blocks for line in b["text"]["text"].splitlines() if "x" * 80 in line]
    assert len(rows) == 200


def test_citations_buttons_heading_image_and_form_map_to_their_slack_shapes():
    png = b"\x89PNG fake"
    form = Form(form_id="f:add", title="A form", fields=(FormField(name="a", label="A"),))
    rendered = to_blocks(
        Reply(
            blocks=(
                Heading(text="Estimate"),
                Citations(
                    items=tuple(Citation(source_id=f"p{i}", title=f"T{i}") for i in range(12))
                ),
                Buttons(
                    items=(
                        Button(
                            label="Approve", action_id="update:approve", value="d1", style="primary"
                        ),
                        Button(label="Approve again", action_id="update:approve", value="d2"),
                    )
                ),
                Image(data=png, alt_text="chart"),
                form,
            )
        )
    )
    (message,) = rendered.messages
    assert [b["type"] for b in message.blocks] == ["header", "context", "context", "actions"]
    assert len(message.blocks[1]["elements"]) == 10 and len(message.blocks[2]["elements"]) == 2
    ids = [e["action_id"] for e in message.blocks[3]["elements"]]
    assert ids == ["update:approve", "update:approve#2"]  # Slack wants them unique
    assert [original_action_id(i) for i in ids] == ["update:approve", "update:approve"]
    assert "style" not in message.blocks[3]["elements"][1]
    assert rendered.images[0].data == png and rendered.form == form


def test_a_button_over_slacks_limits_never_costs_the_reply_its_blocks():
    """The core stores long values (bot/button_values.py); one that skipped it is named in a
    note, and the other buttons and the text are kept (never cut, never a raise)."""
    long = Button(label="Go", action_id="x:y", value="v" * 2001)
    wide = Button(label="Wide", action_id="x:" + "y" * 300, value="1")
    ok = Button(label="Keep", action_id="x:keep", value="2")
    reply = Reply(blocks=(Paragraph(text="Text stays"), Buttons(items=(long, wide, ok))))
    [message] = to_blocks(reply).messages
    blocks = message.blocks
    assert blocks[0]["text"]["text"] == "Text stays"
    assert "“Go”, “Wide”: this button holds too much" in blocks[1]["text"]["text"]
    [element] = blocks[2]["elements"]
    assert element["action_id"] == "x:keep" and element["value"] == "2"


def test_split_text_prefers_line_breaks_and_keeps_everything():
    text = "\n".join(["a" * 1400, "b" * 1400, "c" * 1400])
    pieces = split_text(text, 3000)
    assert [len(p) for p in pieces] == [2801, 1400]  # cut at the second line break
    assert split_text("word " * 1000, 3000)[0].endswith("word")  # then at spaces
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_modal_names_blocks_by_field_and_keeps_the_metadata():
    form = Form(
        form_id="project-form:add",
        title="A rather long title for a modal window",
        fields=(
            FormField(name="name", label="Name", required=True, placeholder="Acme"),
            FormField(name="summary", label="Summary", multiline=True, initial="draft"),
        ),
        value="v1",
    )
    view = to_modal(form, channel_id="C1", thread_ts="17.1")
    assert len(view["title"]["text"]) <= 24 and view["title"]["text"].endswith("…")
    name, summary = view["blocks"]
    assert (name["block_id"], name["element"]["action_id"], name["optional"]) == (
        "name",
        "name",
        False,
    )
    assert (
        summary["element"]["multiline"] is True and summary["element"]["initial_value"] == "draft"
    )
    assert json.loads(view["private_metadata"]) == {
        "form_id": "project-form:add",
        "value": "v1",
        "channel_id": "C1",
        "thread_ts": "17.1",
    }
