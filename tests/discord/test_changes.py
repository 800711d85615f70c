"""Change requests on Discord with the real skills: /change answers privately with buttons, the
change order is drafted into DMs, approved and posted to the client channel; the /change modal."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import discord.ext.test as dpytest
from discord.ext.test import backend

from adapters.discord.client import AtelierClient
from adapters.discord.views import FormModal
from tests.discord.fakes import FakeInteraction, FakeUser
from tests.discord.test_real_skills import _button, _command, _fill, call_text


def _interaction(
    client: AtelierClient, user: FakeUser, guild: Any, **extra: Any
) -> FakeInteraction:
    return FakeInteraction(client=client, user=user, guild_id=guild.id if guild else None, **extra)


async def _add_acme(client: AtelierClient, me: FakeUser, guild: Any, channel_id: int) -> None:
    adding = _interaction(client, me, guild)
    await _command(
        client,
        adding,
        "projects",
        'add name="Acme web shop" client="Acme Corp" aliases=acme estimate=40 budget=6000 '
        f'rate=100 channel={channel_id} summary="Shopify store with a brew guide blog."',
    )
    assert "Acme web shop" in adding.text()


async def test_change_buttons_from_judgement_to_client_channel(real_client: AtelierClient) -> None:
    guild = dpytest.get_config().guilds[0]
    client_channel = backend.make_text_channel("acme-client", guild)
    me = FakeUser(111)
    await _add_acme(real_client, me, guild, client_channel.id)

    judging = _interaction(real_client, me, guild)
    await _command(real_client, judging, "change", "acme a loyalty points program, about 6h")
    [judged] = judging.sent()
    assert judged.kwargs["ephemeral"] is True
    assert "Extra:" in call_text(judged) and "6 h" in call_text(judged)

    drafting = _interaction(real_client, me, guild, message=SimpleNamespace(id=1))
    await _button(judged, "Draft change order").callback(drafting)
    [draft] = me.dms
    assert "Draft change order" in call_text(draft) and "$600" in call_text(draft)

    approving = _interaction(real_client, me, None, message=SimpleNamespace(id=2))
    await _button(draft, "Approve").callback(approving)
    [approved] = approving.sent()
    assert "Approved change order" in call_text(approved)

    posting = _interaction(real_client, me, None, message=SimpleNamespace(id=2))
    await _button(approved, "Post to client channel").callback(posting)
    posted = dpytest.get_message()
    assert posted.channel.id == client_channel.id and "loyalty points" in posted.content

    other = FakeUser(222)
    refused = _interaction(real_client, other, guild, message=SimpleNamespace(id=2))
    await _button(approved, "Client approved").callback(refused)
    assert "only the person" in refused.text()
    deciding = _interaction(real_client, me, None, message=SimpleNamespace(id=2))
    await _button(approved, "Client approved").callback(deciding)
    assert "estimate 40 h → 46 h" in deciding.text()


async def test_change_modal_checks_the_project_and_judges(real_client: AtelierClient) -> None:
    guild = dpytest.get_config().guilds[0]
    client_channel = backend.make_text_channel("acme-client", guild)
    me = FakeUser(111)
    await _add_acme(real_client, me, guild, client_channel.id)

    opening = _interaction(real_client, me, guild)
    await _command(real_client, opening, "change", "")
    modal = opening.response.modal
    assert isinstance(modal, FormModal) and list(modal.inputs) == ["project", "request"]
    wrong = _interaction(real_client, me, guild)
    _fill(modal, wrong, project="nowhere", request="a loyalty points program, 6h")
    await modal.on_submit(wrong)  # type: ignore[arg-type]
    assert "No active project" in wrong.text()
    right = _interaction(real_client, me, guild)
    _fill(modal, right, project="acme", request="a loyalty points program, 6h")
    await modal.on_submit(right)  # type: ignore[arg-type]
    assert "Extra:" in right.text()
