"""The whole client-update journey on Discord with the real skills: add a project through the
modal, log work, draft an update into DMs, approve it there and post it to the client channel."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import discord
import discord.ext.test as dpytest
from discord.ext.test import backend

from adapters.discord.client import AtelierClient
from adapters.discord.views import FormModal, OpenFormView
from tests.discord.fakes import FakeInteraction, FakeUser


def _fill(modal: FormModal, interaction: FakeInteraction, **answers: str) -> None:
    for name, text_input in modal.inputs.items():
        text_input._refresh_state(interaction, {"value": answers.get(name, "")})  # type: ignore[arg-type,typeddict-item]


async def _command(
    client: AtelierClient, interaction: FakeInteraction, name: str, text: str
) -> None:
    command = client.tree.get_command(name)
    assert isinstance(command, discord.app_commands.Command)
    await command.callback(interaction, text)  # type: ignore[arg-type]


def _button(call: Any, label: str) -> Any:
    return next(b for b in call.kwargs["view"].children if b.item.label.startswith(label))


async def test_add_log_update_approve_and_post_to_the_client_channel(
    real_client: AtelierClient,
) -> None:
    guild = dpytest.get_config().guilds[0]
    client_channel = backend.make_text_channel("acme-client", guild)
    me = FakeUser(111)

    def interaction(in_guild: bool = True, message: Any = None) -> FakeInteraction:
        return FakeInteraction(
            client=real_client, user=me, guild_id=guild.id if in_guild else None, message=message
        )

    # /projects add -> a modal in parts (a Discord modal holds five fields)
    opening = interaction()
    await _command(real_client, opening, "projects", "add")
    first = opening.response.modal
    assert isinstance(first, FormModal) and first.title.endswith("(1/3)")
    assert next(iter(first.inputs)) == "name"  # required fields come first
    submit = interaction()
    _fill(first, submit, name="Acme web shop", client="Acme Corp", aliases="acme", estimate="40")
    await first.on_submit(submit)  # type: ignore[arg-type]
    answers = {"client_channel": str(client_channel.id), "summary": "A shop", "tags": "shopify"}
    for _page in (2, 3):
        opener = submit.sent()[0].kwargs["view"]
        assert isinstance(opener, OpenFormView)
        page_open = interaction()
        await opener.open_button.callback(page_open)  # type: ignore[arg-type]
        page = page_open.response.modal
        assert isinstance(page, FormModal)
        submit = interaction()
        _fill(page, submit, **answers)
        await page.on_submit(submit)  # type: ignore[arg-type]
    added = submit.text()
    assert "Acme web shop" in added

    # /log and /update
    logged = interaction()
    await _command(real_client, logged, "log", "acme done: checkout page, 3h")
    assert "acme" in logged.text().lower()
    drafting = interaction()
    await _command(real_client, drafting, "update", "acme")
    [notice] = drafting.sent()
    assert notice.kwargs["ephemeral"] is True and "DM" in notice.kwargs["content"]
    [draft] = me.dms
    assert "checkout page" in call_text(draft).lower()

    # Approve in DMs: the draft message is edited in place, with a "Post" button
    approving = interaction(in_guild=False, message=SimpleNamespace(id=1))
    await _button(draft, "Approve").callback(approving)
    [approved] = approving.sent()
    assert approved.name == "edit_message"
    assert "Approved" in approved.kwargs["embeds"][0].title

    # Post to the client channel: only there, and the requester is told where it went
    posting = interaction(in_guild=False, message=SimpleNamespace(id=1))
    await _button(approved, "Post to client channel").callback(posting)
    posted = dpytest.get_message()
    assert posted.channel.id == client_channel.id and "checkout" in posted.content.lower()
    [told] = posting.sent()
    assert told.kwargs["ephemeral"] is True and "client channel" in told.kwargs["content"]
    payloads = real_client.send_log.payloads  # type: ignore[attr-defined]
    assert payloads and all(p["allowed_mentions"] == {"parse": []} for p in payloads)


def call_text(call: Any) -> str:
    parts = [call.kwargs.get("content") or ""]
    for embed in call.kwargs.get("embeds") or []:
        parts += [embed.title or "", embed.description or ""]
        parts += [f"{f.name} {f.value}" for f in embed.fields]
    return re.sub(r"\s+", " ", "\n".join(parts))
