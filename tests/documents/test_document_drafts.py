"""One state machine for every kind of client document: kinds keep to themselves."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.drafts import (
    SUPERSEDE_SAME_SUBJECT,
    StaleDraft,
    add_version,
    approve,
    create_draft,
    get_draft,
    noun,
    why_stale,
)

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


async def _draft(bot, kind: str, subject: str, text: str = "Hello"):
    return await create_draft(
        bot.services.db,
        tenant="local",
        project_id=subject,
        requester_id="alice",
        requester_name="alice",
        tone="formal",
        client_text=text,
        private_notes=("private",),
        now=NOW,
        kind=kind,
        options={"pricing": "fixed"} if kind == "proposal" else None,
        document={"title": text},
    )


async def test_a_draft_id_says_its_kind_and_another_kind_does_not_find_it(bot) -> None:
    proposal = await _draft(bot, "proposal", "est-1")
    change = await _draft(bot, "change", "acme")
    assert proposal.draft.id.startswith("p") and change.draft.id.startswith("c")
    assert proposal.draft.kind == "proposal" and proposal.draft.options == {"pricing": "fixed"}
    assert proposal.version.document == {"title": "Hello"}
    db = bot.services.db
    assert await get_draft(db, "local", proposal.draft.id, kind="proposal") is not None
    assert await get_draft(db, "local", proposal.draft.id, kind="update") is None
    assert await get_draft(db, "other", proposal.draft.id) is None  # never across tenants
    assert noun("change") == "change order"


async def test_approving_a_proposal_supersedes_the_other_open_ones_of_its_estimate(bot) -> None:
    db = bot.services.db
    first = await _draft(bot, "proposal", "est-1", "first")
    second = await _draft(bot, "proposal", "est-1", "second")
    elsewhere = await _draft(bot, "proposal", "est-2", "other estimate")
    superseded = await approve(db, "local", second.draft.id, 1, NOW, SUPERSEDE_SAME_SUBJECT)
    assert superseded == 1
    stale = await get_draft(db, "local", first.draft.id)
    assert stale is not None and stale.draft.status == "superseded"
    reason = why_stale(stale.draft, 1)
    assert reason is not None and "proposal" in reason and second.draft.id in reason
    untouched = await get_draft(db, "local", elsewhere.draft.id)
    assert untouched is not None and untouched.draft.status == "draft"
    with pytest.raises(StaleDraft):  # a stale button changes nothing
        await approve(db, "local", first.draft.id, 1, NOW, SUPERSEDE_SAME_SUBJECT)


async def test_an_update_approved_on_a_project_leaves_its_change_orders_alone(bot) -> None:
    db = bot.services.db
    change = await _draft(bot, "change", "acme")
    update = await create_draft(
        db,
        tenant="local",
        project_id="acme",
        requester_id="alice",
        requester_name="alice",
        tone="friendly",
        client_text="news",
        private_notes=(),
        now=NOW + dt.timedelta(minutes=1),
        on_track=True,
    )
    await approve(db, "local", update.draft.id, 1, NOW)
    kept = await get_draft(db, "local", change.draft.id)
    assert kept is not None and kept.draft.status == "draft"


async def test_a_new_version_keeps_its_document_and_may_change_the_options(bot) -> None:
    db = bot.services.db
    made = await _draft(bot, "proposal", "est-1")
    await add_version(
        db,
        "local",
        made.draft.id,
        1,
        tone="friendly",
        client_text="v2",
        private_notes=(),
        now=NOW,
        document={"title": "v2"},
        options={"pricing": "tm"},
    )
    found = await get_draft(db, "local", made.draft.id)
    assert found is not None
    assert found.version.version == 2 and found.version.document == {"title": "v2"}
    assert found.draft.options == {"pricing": "tm"}
    with pytest.raises(StaleDraft):  # the version-1 button is stale now
        await add_version(
            db, "local", made.draft.id, 1, tone="x", client_text="", private_notes=(), now=NOW
        )
