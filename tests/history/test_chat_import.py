"""Importing history from a file shared in chat: the same whole-file report as the CLI."""

from __future__ import annotations

from pathlib import Path

from bot.core import Bot
from bot.messages import MAX_ATTACHMENT_BYTES, Access, Attachment, Request, Role, Table
from knowledge.importers import import_file

HISTORY = Path(__file__).parents[1] / "knowledge" / "data" / "history.csv"
GOOD = b"id,title,summary,actual_hours\nm1,Our own CRM,Custom CRM for a bakery,120\n"


def shared(*files: Attachment, text: str = "", role: Role = Role.MEMBER) -> Request:
    return Request(
        tenant="T1",
        user_id="U1",
        channel_id="D1",
        is_private=True,
        text=text,
        platform="slack",
        access=Access(role=role),
        attachments=files,
    )


def attachment(name: str, data: bytes) -> Attachment:
    return Attachment(filename=name, size=len(data), content=data)


async def test_a_shared_file_is_imported_with_the_cli_report(bot: Bot, demo_store) -> None:
    reply = await bot.handle(shared(attachment("history.csv", HISTORY.read_bytes())))
    assert reply is not None and not reply.refused, reply
    # The command line's report on the same file, row for row.
    cli = import_file(demo_store, "T2", HISTORY)
    assert reply.text.startswith(cli.summary()), reply.text
    problems = next(b for b in reply.blocks if isinstance(b, Table))
    assert [row[1:] for row in problems.rows] == [
        (p.field or "—", p.message) for p in cli.problems
    ]
    assert sorted(p.id for p in demo_store.list("T1")) == sorted(cli.ids)


async def test_confirm_in_the_message_accepts_unusual_hours(bot: Bot, demo_store) -> None:
    unusual = b"id,title,summary,actual_hours\nbig,Huge job,One very long project,9000\n"
    first = await bot.handle(shared(attachment("big.csv", unusual)))
    assert first is not None and "Imported 0 of 1" in first.text
    assert "share the file again with `confirm`" in first.text
    again = await bot.handle(shared(attachment("big.csv", unusual), text="confirm"))
    assert again is not None
    assert "Imported 1 of 1" in again.text, again.text
    assert demo_store.get("T1", "big").actual_hours == 9000


async def test_unreadable_wrong_type_and_too_big_files_import_nothing(bot: Bot, demo_store) -> None:
    latin1 = attachment("export.csv", "id,title,summary\nx1,Café,Crème\n".encode("latin-1"))
    broken = await bot.handle(shared(latin1))
    assert broken is not None and broken.refused and "Nothing was imported" in broken.text
    assert "export.csv is not UTF-8 text" in broken.text
    cut = await bot.handle(shared(attachment("broken.json", b'[{"title": "x",')))
    assert cut is not None and "Imported 0 of 1" in cut.text and "broken.json" in cut.text
    image = await bot.handle(shared(attachment("photo.png", b"\x89PNG....")))
    assert image is not None and image.refused and "not a file I can import" in image.text
    huge = Attachment(filename="all.csv", size=MAX_ATTACHMENT_BYTES + 1)
    too_big = await bot.handle(shared(huge))
    assert too_big is not None and too_big.refused
    assert "can be up to 5 MB" in too_big.text and "atelier projects import" in too_big.text
    assert demo_store.count("T1") == 0


async def test_a_path_in_the_name_stays_a_name(bot: Bot, demo_store, tmp_path: Path) -> None:
    reply = await bot.handle(shared(attachment("../../etc/mine.csv", GOOD)))
    assert reply is not None and "Imported 1 of 1 project(s) from mine.csv" in reply.text


async def test_a_guest_sharing_a_file_is_refused_and_nothing_is_imported(
    bot: Bot, demo_store
) -> None:
    reply = await bot.handle(shared(attachment("mine.csv", GOOD), role=Role.GUEST))
    assert reply is not None and reply.refused
    assert "only available to full members" in reply.text
    assert demo_store.count("T1") == 0


async def test_without_a_file_chat_says_how_to_share_one(bot: Bot) -> None:
    reply = await bot.handle(
        Request(tenant="T1", user_id="U1", platform="slack", command="projects", text="import")
    )
    assert reply is not None and "send it in a DM with me" in reply.text
