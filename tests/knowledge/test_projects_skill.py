"""`/projects` through the real console adapter, on the demo portfolio."""

from __future__ import annotations

from pathlib import Path

from bot.mentions import can_ping
from bot.messages import Request, Table
from knowledge.store import KnowledgeUnavailable, ProjectStore
from tests.knowledge.helpers import project


async def test_search_shows_a_ranked_table(harness, demo_store) -> None:
    reply = await harness.say("/projects search Shopify store with a custom theme")
    table = next(b for b in reply.blocks if isinstance(b, Table))
    assert table.columns == ("id", "title", "type", "actual", "similarity")
    assert table.rows[0][2] == "e-commerce"
    assert "Shopify" in harness.screen()


async def test_bare_words_are_a_search_and_filters_work(harness, demo_store) -> None:
    reply = await harness.say("/projects shop type:e-commerce tag:headless")
    table = next(b for b in reply.blocks if isinstance(b, Table))
    assert [row[0] for row in table.rows] == ["demo-004"]


async def test_plain_words_route_to_a_search(harness, demo_store) -> None:
    reply = await harness.say("find past projects like a dog walking app")
    assert "Dog walking marketplace app" in reply.text


async def test_show_has_fields_phases_and_lessons(harness, demo_store) -> None:
    reply = await harness.say("/projects show demo-001")
    text = reply.text
    assert "Coffee subscription Shopify store" in text
    assert "actual / estimate" in text and "Phases" in text and "Lessons" in text
    assert "liquid-subscription-snippets" in text


async def test_unknown_id_and_empty_query_explain_themselves(harness, demo_store) -> None:
    reply = await harness.say("/projects show nope-42")
    assert "don't know a past project with id `nope-42`" in reply.text
    assert "/projects search" in reply.text
    reply = await harness.say("/projects search")
    assert "Tell me what to look for" in reply.text
    reply = await harness.say("/projects")
    assert "/projects show <id>" in reply.text


async def test_list_closed_and_active(harness, demo_store) -> None:
    reply = await harness.say("/projects list")
    table = next(b for b in reply.blocks if isinstance(b, Table))
    assert len(table.rows) == 40 and "50 closed project(s)" in table.caption
    reply = await harness.say("/projects list active")
    assert "active" in reply.text.lower()


async def test_import_from_the_console(harness, demo_store, tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("id,title,summary\nm1,Our own project,Custom CRM\nm2,,no title\n")
    reply = await harness.say(f"/projects import {path}")
    assert "Imported 1 of 2" in reply.text
    assert "line 3" in reply.text and "title" in reply.text
    assert demo_store.get("local", "m1") is not None
    reply = await harness.say(f"/projects import {tmp_path / 'nothing.csv'}")
    assert "Nothing was imported" in reply.text and "does not exist" in reply.text


async def test_import_from_chat_points_to_the_cli(bot, demo_store) -> None:
    request = Request(
        tenant="T123", user_id="U1", platform="slack", command="projects", text="import x.csv"
    )
    reply = await bot.handle(request)
    assert "atelier projects import FILE --tenant T123" in reply.text


async def test_stored_text_cannot_ping_a_channel(harness, demo_store) -> None:
    demo_store.upsert(
        "local",
        [project("ping", "@channel launch <!here>", "hello @everyone", lessons=["@here x"])],
    )
    reply = await harness.say("/projects show ping")
    assert not can_ping(reply.text)


async def test_each_workspace_sees_only_its_projects(bot, demo_store) -> None:
    request = Request(tenant="T-other", user_id="U1", command="projects", text="show demo-001")
    reply = await bot.handle(request)
    assert "don't know a past project" in reply.text


async def test_an_unavailable_store_is_a_plain_answer(bot, harness) -> None:
    def down() -> ProjectStore:
        raise KnowledgeUnavailable("I can't reach the Chroma server at http://127.0.0.1:9.")

    bot.services.knowledge_factory = down
    reply = await harness.say("/projects search shop")
    assert "can't reach the Chroma server" in reply.text


async def test_demo_loads_on_first_start_only(bot) -> None:
    from adapters.launch import load_demo_if_empty

    await load_demo_if_empty(bot, "local")
    assert bot.services.knowledge.count("local") == 50
    bot.services.knowledge.delete("local", "demo-001")
    await load_demo_if_empty(bot, "local")
    assert bot.services.knowledge.count("local") == 49  # not empty: left alone


async def test_the_chat_starts_even_when_the_demo_cannot_load(bot) -> None:
    from adapters.launch import load_demo_if_empty

    def down() -> ProjectStore:
        raise KnowledgeUnavailable("I can't open the project store.")

    bot.services.knowledge_factory = down
    await load_demo_if_empty(bot, "local")  # logs, does not raise
