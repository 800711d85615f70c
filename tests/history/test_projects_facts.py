"""`/projects` in chat: the facts scripts read, how many search results, who may re-index, and
files shared together or bigger than chat takes."""

from __future__ import annotations

import json

from bot.core import Bot
from bot.messages import MAX_ATTACHMENT_BYTES, Access, Attachment, Request, Role, Table


def ask(text: str, *, platform: str = "slack", admin: bool = False) -> Request:
    return Request(
        tenant="local",
        user_id="U1",
        channel_id="D1",
        is_private=True,
        command="projects",
        text=text,
        platform=platform,
        access=Access(role=Role.MEMBER, is_admin=admin),
    )


def shared(*files: Attachment, platform: str = "slack", limit: int | None = None) -> Request:
    request = ask("", platform=platform).model_copy(update={"command": None, "attachments": files})
    if limit is not None:
        request = request.model_copy(update={"max_attachment_bytes": limit})
    return request


def markdown(project_id: str, title: str) -> Attachment:
    data = f"---\nid: {project_id}\ntitle: {title}\nactual_hours: 30\n---\nA small job.\n".encode()
    return Attachment(filename=f"{project_id}.md", size=len(data), content=data)


async def test_search_takes_k_and_its_facts_carry_the_hits(bot: Bot, demo_store) -> None:
    default = await bot.handle(ask("search Shopify store with a custom theme"))
    assert default is not None and len(default.facts["matches"]) == 8
    many = await bot.handle(ask("search Shopify store with a custom theme k=20"))
    assert many is not None and not many.refused, many
    table = next(b for b in many.blocks if isinstance(b, Table))
    hits = many.facts["matches"]
    assert len(table.rows) == len(hits) == 20 and many.facts["k"] == 20
    assert [row[0] for row in table.rows] == [hit["id"] for hit in hits]
    similarities = [hit["similarity"] for hit in hits]
    assert similarities == sorted(similarities, reverse=True) and 0 < similarities[-1] <= 1
    assert all(hit["title"] and "actual_hours" in hit for hit in hits)
    assert "k=20" not in many.facts["query"]
    json.dumps(dict(many.facts))  # scripts read them as JSON


async def test_a_bad_k_is_refused_and_names_the_range(bot: Bot, demo_store) -> None:
    for text in ("k=0", "k=101", "k=lots", "k=", "k=3 k=4"):
        reply = await bot.handle(ask(f"search shopify theme {text}"))
        assert reply is not None and reply.refused, text
        assert "is not a number of results" in reply.text and "from 1 to 100" in reply.text
        assert "matches" not in reply.facts


async def test_show_and_list_carry_whole_projects(bot: Bot, demo_store) -> None:
    shown = await bot.handle(ask("show demo-001"))
    assert shown is not None
    assert shown.facts["project"] == demo_store.get("local", "demo-001").model_dump(mode="json")
    listed = await bot.handle(ask("list closed"))
    assert listed is not None
    table = next(b for b in listed.blocks if isinstance(b, Table))
    assert len(table.rows) == 40  # the newest page; the facts hold its projects whole
    assert listed.facts["total"] == demo_store.count("local") == 50
    records = demo_store.list("local", status="closed")
    assert listed.facts["projects"] == [p.model_dump(mode="json") for p in records[:40]]
    every = await bot.handle(ask("list closed page all"))  # `atelier projects list --json`
    assert every is not None and len(every.facts["projects"]) == 50


async def test_reindex_is_for_workspace_admins(bot: Bot, demo_store) -> None:
    member = await bot.handle(ask("reindex"))
    assert member is not None and member.refused
    assert "for workspace admins" in member.text and "Nothing was changed" in member.text
    admin = await bot.handle(ask("reindex", admin=True))
    assert admin is not None and not admin.refused, admin
    assert admin.facts["reindexed"] == 50 and admin.facts["model"].startswith("local")
    assert "Re-indexed 50 past project(s)" in admin.text


async def test_markdown_files_shared_together_are_one_import(bot: Bot, demo_store) -> None:
    reply = await bot.handle(shared(markdown("m1", "Bakery site"), markdown("m2", "Dentist app")))
    assert reply is not None and not reply.refused, reply
    assert reply.text.startswith("Imported 2 of 2 project(s) from 2 Markdown files.")
    (report,) = reply.facts["imports"]
    assert report["path"] == "2 Markdown files" and sorted(report["ids"]) == ["m1", "m2"]
    assert demo_store.get("local", "m2").title == "Dentist app"


async def test_the_size_limit_is_the_adapters(bot: Bot, demo_store) -> None:
    # One project padded past chat's limit: JSON allows any whitespace between values.
    row = b'{"id": "wide", "title": "Padded export", "summary": "One project", "actual_hours": 9}'
    data = b"[" + b" " * (MAX_ATTACHMENT_BYTES + 10) + row + b"]"
    big = Attachment(filename="export.json", size=len(data), content=data)
    in_chat = await bot.handle(shared(big))
    assert in_chat is not None and in_chat.refused
    assert "files shared in chat can be up to 5 MB" in in_chat.text
    assert demo_store.get("local", "wide") is None
    cli = await bot.handle(shared(big, platform="cli", limit=2 * MAX_ATTACHMENT_BYTES))
    assert cli is not None and not cli.refused, cli
    assert cli.facts["imports"][0]["imported"] == 1
    assert demo_store.get("local", "wide") is not None
