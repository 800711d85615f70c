"""The console shows each analogue once: a table followed by its own citations adds ids only."""

from __future__ import annotations

from bot.core import Bot
from bot.messages import Citation, Citations, Paragraph, Reply, Table
from tests.conftest import Harness

TABLE = Table(
    columns=("past project", "actual"),
    rows=(("Acme bakery shop", "42 h"), ("Florist landing page", "18 h")),
    caption="Similar past projects",
)
CITED = Citations(
    items=(
        Citation(source_id="p-1", title="Acme bakery shop", detail="42 h actual, 80% similar"),
        Citation(source_id="p-2", title="Florist landing page", detail="18 h actual"),
    )
)


async def test_citations_after_their_table_print_only_the_ids(bot: Bot) -> None:
    harness = Harness(bot)
    await harness.adapter.render(Reply(blocks=(TABLE, CITED)))
    screen = harness.screen()
    assert screen.count("Acme bakery shop") == 1 and screen.count("Florist landing page") == 1
    assert "ids, in the table's order: p-1, p-2" in screen
    assert "80% similar" not in screen


async def test_citations_on_their_own_keep_their_lines(bot: Bot) -> None:
    harness = Harness(bot)
    await harness.adapter.render(Reply(blocks=(Paragraph(text="Found:"), CITED)))
    screen = harness.screen()
    assert "[p-1] Acme bakery shop — 42 h actual, 80% similar" in screen
    assert "[p-2] Florist landing page" in screen
