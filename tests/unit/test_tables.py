"""One rule set for tables: the core builds a neutral Table, every adapter lays it out alike."""

from __future__ import annotations

from adapters.discord.render import table_chunks
from adapters.slack.blocks import to_blocks
from adapters.text import figure_columns, table_lines
from bot.messages import Reply, Table

ANALOGUES = Table(
    columns=("past project", "actual", "similarity"),
    rows=(
        ("Bakery shop", "150 h", "62%"),
        ("Law firm `site`\nphase 2", "7.5 h", "58% (not used)"),
        ("Logo", "12 h"),  # short row
        ("Blog", "40 h", "55%", "extra note"),  # long row
    ),
)


def test_cells_are_one_line_without_backticks_and_nothing_is_dropped() -> None:
    lines = table_lines(ANALOGUES)
    assert lines[0].split() == ["past", "project", "actual", "similarity"]
    assert "Law firm 'site' phase 2" in lines[3] and "`" not in "".join(lines)
    assert lines[5].endswith("extra note")  # the extra cell is kept


def test_figures_are_right_aligned_and_words_left_aligned() -> None:
    _header, *rows = [ANALOGUES.columns, *ANALOGUES.rows]
    padded = [list(row) + [""] * (4 - len(row)) for row in rows]
    assert figure_columns(padded) == {1}  # "58% (not used)" makes similarity a text column
    lines = table_lines(ANALOGUES)
    actual_end = lines[0].index("actual") + len("actual")
    assert lines[2][actual_end - 5 : actual_end] == "150 h"
    assert lines[3][actual_end - 5 : actual_end] == "7.5 h"


def test_slack_and_discord_show_the_same_lines() -> None:
    (message,) = to_blocks(Reply(blocks=(ANALOGUES,))).messages
    slack = message.blocks[0]["text"]["text"].splitlines()[1:-1]
    (chunk,) = table_chunks(ANALOGUES, 4000)
    discord = chunk.splitlines()[1:-1]
    assert slack == discord == table_lines(ANALOGUES)
