"""`/projects import` with a file attached, through the real client and a real
``discord.Attachment`` (its bytes read by discord.py from dpytest's CDN stand-in)."""

from __future__ import annotations

from pathlib import Path

import discord
import discord.ext.test as dpytest

from adapters.discord.client import AtelierClient
from adapters.discord.commands import FILE_COMMANDS
from bot.messages import MAX_ATTACHMENT_BYTES
from tests.discord.fakes import FakeInteraction, FakeUser

HISTORY = (
    "id,title,summary,actual_hours\n"
    "d1,Dog walking app,Marketplace for dog walkers,310\n"
    "d2,Bad row,Negative hours,-4\n"
)


def _attachment(client: AtelierClient, path: Path, size: int | None = None) -> discord.Attachment:
    data = {
        "id": 1234567890,
        "filename": path.name,
        "size": path.stat().st_size if size is None else size,
        "url": path.as_uri(),
        "proxy_url": path.as_uri(),
        "content_type": "text/csv",
    }
    return discord.Attachment(data=data, state=client._connection)  # type: ignore[arg-type]


async def _import(
    client: AtelierClient, user: FakeUser, text: str, file: discord.Attachment
) -> FakeInteraction:
    guild = dpytest.get_config().guilds[0]
    interaction = FakeInteraction(client=client, user=user, guild_id=guild.id)
    command = client.tree.get_command("projects")
    assert isinstance(command, discord.app_commands.Command)
    await command.callback(interaction, text, file)  # type: ignore[arg-type]
    return interaction


def test_projects_takes_a_file_option() -> None:
    assert "projects" in FILE_COMMANDS


async def test_an_attached_csv_is_imported_with_the_cli_report(
    real_client: AtelierClient, tmp_path: Path
) -> None:
    path = tmp_path / "history.csv"
    path.write_text(HISTORY, encoding="utf-8")
    command = real_client.tree.get_command("projects")
    assert isinstance(command, discord.app_commands.Command)
    assert [p.display_name for p in command.parameters] == ["command", "file"]
    assert command.parameters[1].type is discord.AppCommandOptionType.attachment

    answered = await _import(real_client, FakeUser(111), "import", _attachment(real_client, path))
    text = answered.text()
    assert "Imported 1 of 2 project(s) from history.csv; 1 not imported" in text, text
    assert "actual_hours" in text
    guild = dpytest.get_config().guilds[0]
    store = real_client.bot.services.knowledge
    imported = store.get(str(guild.id), "d1")
    assert imported is not None and imported.actual_hours == 310
    assert store.get(str(guild.id), "d2") is None


async def test_a_file_over_the_limit_is_refused_without_downloading(
    real_client: AtelierClient, tmp_path: Path
) -> None:
    path = tmp_path / "everything.csv"
    path.write_text(HISTORY, encoding="utf-8")
    big = _attachment(real_client, path, size=MAX_ATTACHMENT_BYTES + 10)
    path.unlink()  # a download would fail: it must not be tried
    answered = await _import(real_client, FakeUser(111), "import", big)
    assert "can be up to 5 MB" in answered.text(), answered.text()


async def test_a_member_without_permission_is_refused_and_nothing_imported(
    real_client: AtelierClient, tmp_path: Path
) -> None:
    path = tmp_path / "history.csv"
    path.write_text(HISTORY, encoding="utf-8")
    outsider = FakeUser(222, "mallory", permissions=discord.Permissions.none())
    answered = await _import(real_client, outsider, "import", _attachment(real_client, path))
    assert "Imported" not in answered.text()
    assert "Sorry" in answered.text(), answered.text()
    guild = dpytest.get_config().guilds[0]
    assert real_client.bot.services.knowledge.count(str(guild.id)) == 0
