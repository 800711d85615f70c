"""Proposals on Discord with the real skills and real discord.py views: /scope's Draft proposal
button drafts into DMs, the draft's buttons fit Discord's rows (five a row) and each still
works, the Details modal redrafts it, and an approved proposal is posted to the client channel."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext.test import backend

from adapters.discord.client import AtelierClient
from adapters.discord.views import FormModal, OpenFormView
from knowledge.store import ProjectStore
from tests.discord.fakes import FakeInteraction, FakeUser
from tests.discord.test_real_skills import _button, _command, _fill, call_text

BRIEF = "Shopify store for a coffee roaster with subscriptions and a custom theme"
DRAFT_LABELS = {"Approve", "Regenerate", "Change tone (brief)", "Time and materials",
                "Price at P50", "Details", "Discard", "Export"}  # fmt: skip


@pytest.fixture
def portfolio(real_client: AtelierClient, demo_vectors: tuple[list, object]) -> Iterator[None]:
    """The demo portfolio as the test guild's past projects."""
    projects, vectors = demo_vectors
    guild = dpytest.get_config().guilds[0]
    services = real_client.bot.services
    store = ProjectStore.open(services.settings.data_dir)
    store.upsert(str(guild.id), projects, embeddings=vectors)  # type: ignore[arg-type]
    services.set_knowledge(store)
    yield
    store.close()


def _rows(view: discord.ui.View) -> list[list[str]]:
    """The view as Discord receives it: rows of button labels."""
    return [
        [component["label"] for component in row["components"]]
        for row in view.to_components()
    ]


def _interaction(client: AtelierClient, user: FakeUser, guild: Any = None) -> FakeInteraction:
    return FakeInteraction(
        client=client, user=user, guild_id=guild.id if guild else None,
        message=SimpleNamespace(id=7),
    )  # fmt: skip


async def test_proposal_draft_buttons_fit_discord_rows_and_post(
    real_client: AtelierClient, portfolio: None
) -> None:
    guild = dpytest.get_config().guilds[0]
    client_channel = backend.make_text_channel("bean-client", guild)
    me = FakeUser(111)

    scoping = _interaction(real_client, me, guild)
    await _command(real_client, scoping, "scope", BRIEF)
    scope = next(c for c in scoping.sent() if c.kwargs.get("view") is not None)
    await _button(scope, "Draft proposal").callback(_interaction(real_client, me, guild))
    [draft] = me.dms
    assert "Draft proposal" in call_text(draft) and "only you can see this" in call_text(draft)

    view = draft.kwargs["view"]
    rows = _rows(view)
    assert all(len(row) <= 5 for row in rows) and len(rows) >= 2
    assert {label for row in rows for label in row} == DRAFT_LABELS  # none dropped
    assert all(len(item.custom_id) <= 100 for item in view.children)

    # Another person's press changes nothing.
    intruder = _interaction(real_client, FakeUser(222), guild)
    await _button(draft, "Approve").callback(intruder)
    assert "only the person" in intruder.text()

    # Details: a modal in two parts (Discord holds five fields a modal).
    opening = _interaction(real_client, me)
    await _button(draft, "Details").callback(opening)
    first = opening.response.modal
    assert isinstance(first, FormModal) and first.title.endswith("(1/2)")
    assert list(first.inputs) == ["tone", "pricing", "guess", "client", "channel"]
    answers = {"tone": "friendly", "pricing": "fixed p80", "guess": "", "client": "Bean Co",
               "channel": str(client_channel.id), "due": ""}  # fmt: skip
    submit = _interaction(real_client, me)
    _fill(first, submit, **answers)
    await first.on_submit(submit)  # type: ignore[arg-type]
    opener = submit.sent()[0].kwargs["view"]
    assert isinstance(opener, OpenFormView)
    page_open = _interaction(real_client, me)
    await opener.open_button.callback(page_open)  # type: ignore[arg-type]
    second = page_open.response.modal
    assert isinstance(second, FormModal)
    assert list(second.inputs) == ["due"]
    submit = _interaction(real_client, me)
    _fill(second, submit, **answers)
    await second.on_submit(submit)  # type: ignore[arg-type]
    redrafted = next(c for c in [*me.dms, *submit.sent()][::-1] if c.kwargs.get("view"))
    assert "(v2, friendly" in call_text(redrafted) and "Bean Co" in call_text(redrafted)

    approving = _interaction(real_client, me)
    await _button(redrafted, "Approve").callback(approving)
    [approved] = approving.sent()
    assert "Approved — proposal" in call_text(approved)
    assert all(len(row) <= 5 for row in _rows(approved.kwargs["view"]))

    posting = _interaction(real_client, me)
    await _button(approved, "Post to client channel").callback(posting)
    posted = dpytest.get_message()
    assert posted.channel.id == client_channel.id and "Bean Co" in posted.content
    assert "Private notes" not in posted.content and "Fixed price base" not in posted.content
