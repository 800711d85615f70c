"""`/projects list` pages the closed projects: the newest page first, a line saying which
projects are shown and how to see the others, the page's whole projects in the facts (every
project with `page all`, as `atelier projects list --json` asks), read from the history scoping
holds rather than from every record of the store, and a page that fits Slack and Discord."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from adapters.discord import render as discord_render
from adapters.slack import blocks as slack_blocks
from bot.core import Bot
from bot.messages import Paragraph, Reply, Table
from bot.scoping.features import FeatureKeepingStore
from knowledge.models import PastProject
from tests.history.test_projects_facts import ask

PER_PAGE = 40


async def listing(bot: Bot, text: str = "list") -> Reply:
    reply = await bot.handle(ask(text))
    assert reply is not None
    return reply


def table_of(reply: Reply) -> Table:
    return next(b for b in reply.blocks if isinstance(b, Table))


def page_line(reply: Reply) -> str:
    return next(b.text for b in reply.blocks if isinstance(b, Paragraph))


async def test_pages_run_newest_first_and_say_what_they_show(bot: Bot, demo_store) -> None:
    records = demo_store.list("local", status="closed")  # the store's own order
    first = await listing(bot)
    assert [row[0] for row in table_of(first).rows] == [p.id for p in records[:PER_PAGE]]
    assert "50 closed project(s), most recent first" in (table_of(first).caption or "")
    assert page_line(first) == (
        "Showing 1–40 of 50 — use `/projects list page 2` for the next 40 or "
        "`/projects search <words>` to find one."
    )
    assert first.facts["projects"] == [p.model_dump(mode="json") for p in records[:PER_PAGE]]
    assert (first.facts["total"], first.facts["page"], first.facts["pages"]) == (50, 1, 2)

    second = await listing(bot, "list closed page 2")
    assert [row[0] for row in table_of(second).rows] == [p.id for p in records[PER_PAGE:]]
    assert page_line(second).startswith("Showing 41–50 of 50 — use `/projects list page 1`")
    assert len(second.facts["projects"]) == 10 and second.facts["page"] == 2
    assert (await listing(bot, "list page 2")).facts == second.facts  # `closed` is the default

    every = await listing(bot, "list closed page all")
    assert every.facts["projects"] == [p.model_dump(mode="json") for p in records]
    assert every.facts["page"] == "all" and len(table_of(every).rows) == PER_PAGE
    json.dumps(dict(every.facts))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("list page 3", "`/projects list page 2` is the last"),
        ("list page 0", "is not a page"),
        ("list page lots", "is not a page"),
        ("list page", "Which page? Try `/projects list page 2`."),
        ("list page 1 page 2", "is not a page"),
        ("list closed extra", "`/projects list removed` (`page 2` for the next page)"),
        ("list active page 2", "shows every active project at once"),
    ],
)
async def test_a_page_that_is_not_there_gets_a_clear_answer(
    bot: Bot, demo_store, text: str, says: str
) -> None:
    reply = await listing(bot, text)
    assert reply.refused and says in reply.text, reply.text
    assert not reply.facts.get("projects")


async def test_a_page_reads_the_feature_rows_not_every_record(
    bot: Bot, demo_vectors: tuple[list, object]
) -> None:
    store = bot.services.knowledge
    assert isinstance(store, FeatureKeepingStore)
    projects, vectors = demo_vectors
    store.upsert("local", projects, embeddings=vectors)  # type: ignore[arg-type]
    full_reads: list[Any] = []
    listing_of = store.store.list

    def counted(tenant: str, status: str | None = None) -> list[PastProject]:
        full_reads.append((tenant, status))
        return listing_of(tenant, status)

    store.store.list = counted  # type: ignore[method-assign]
    first = await listing(bot)
    second = await listing(bot, "list page 2")
    assert full_reads == []  # the pages came from the rows; only the shown projects were read
    records = listing_of("local", "closed")
    shown = [row[0] for reply in (first, second) for row in table_of(reply).rows]
    assert shown == [p.id for p in records]
    assert second.facts["projects"] == [p.model_dump(mode="json") for p in records[PER_PAGE:]]

    store.upsert("local", [records[-1].model_copy(update={"finished": dt.date(2031, 1, 1)})])
    newest = await listing(bot)  # a write of this process shows at once
    assert table_of(newest).rows[0][0] == records[-1].id


async def test_a_page_of_long_titles_fits_slack_and_discord(bot: Bot, demo_store) -> None:
    long = [
        PastProject(
            id=f"long-{n:02d}-" + "x" * 50,
            title=f"Project {n} " + "with a very long descriptive title " * 5,
            summary="A job.",
            actual_hours=30.0 + n,
            finished=dt.date(2030, 1, 1) + dt.timedelta(days=n),
        )
        for n in range(PER_PAGE)
    ]
    demo_store.upsert("local", long)
    reply = await listing(bot)
    rows = table_of(reply).rows
    assert [row[0] for row in rows] == [p.id for p in reversed(long)]
    assert all(len(row[1]) <= 60 and row[1].endswith("…") for row in rows)
    rendered = slack_blocks.to_blocks(reply)
    for slack_message in rendered.messages:
        assert len(slack_message.blocks) <= 50
        for block in slack_message.blocks:
            text = block.get("text", {}).get("text", "")
            assert len(text) <= slack_blocks.MAX_SECTION
    slack_text = "\n".join(json.dumps(m.blocks, ensure_ascii=False) for m in rendered.messages)
    discord = discord_render.to_messages(reply)
    discord_text = "\n".join(m.visible_text() for m in discord)
    for message in discord:
        assert len(message.content) <= discord_render.MESSAGE_CHARS
        assert all(
            len(e.description or "") <= discord_render.EMBED_DESCRIPTION for e in message.embeds
        )
    for project in long:  # every row of the page reaches both, none dropped
        assert project.id in slack_text and project.id in discord_text
    assert "Showing 1–40 of 90" in slack_text and "Showing 1–40 of 90" in discord_text


async def test_removed_projects_page_the_same_way(bot: Bot) -> None:
    from state.schema import RemovedProject

    when = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    async with bot.services.db.transaction() as session:
        for n in range(45):
            project = PastProject(id=f"gone-{n:02d}", title=f"Gone {n}", summary="A job.")
            session.add(
                RemovedProject(
                    tenant="local",
                    id=project.id,
                    project=project.model_dump_json(),
                    removed_at=when + dt.timedelta(hours=n),
                )
            )
    first = await listing(bot, "list removed")
    assert [row[0] for row in table_of(first).rows] == [f"gone-{n:02d}" for n in range(44, 4, -1)]
    assert page_line(first).startswith("Showing 1–40 of 45 — use `/projects list removed page 2`")
    assert len(first.facts["projects"]) == 40 and first.facts["total"] == 45
    second = await listing(bot, "list removed page 2")
    assert [p["id"] for p in second.facts["projects"]] == [
        f"gone-{n:02d}" for n in range(4, -1, -1)
    ]
    every = await listing(bot, "list removed page all")
    assert len(every.facts["projects"]) == 45 and every.facts["projects"][0]["removed_at"]
    past = await listing(bot, "list removed page 3")
    assert past.refused and "`/projects list removed page 2` is the last" in past.text
