"""Proposals through the console: /scope → Draft proposal → private draft → approve → project.

Confidentiality is checked on the real demo portfolio: the analogues' titles, clients and
actual hours are in the private notes, never in the client text, its Markdown or its PDF.
"""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from bot.drafts import get_draft
from bot.proposal_pdf import text_pdf
from bot.skills.proposals import export_markdown
from knowledge.store import ProjectStore
from tests.conftest import Harness

BRIEF = "Shopify store for a coffee roaster with subscriptions and a custom theme"


def _button(reply, label: str):
    return next(b for b in reply.buttons if b.label.startswith(label))


def _first_group(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    assert found is not None, text
    return found.group(1)


def _client_text(reply) -> str:
    return reply.blocks[1].text


async def _analogues(bot, estimate_id: str) -> list:
    from state import SavedEstimate

    async with bot.services.db.sessions() as session:
        saved = await session.get(SavedEstimate, estimate_id)
    store = bot.services.knowledge
    return [p for p in store.closed("local") if p.id in set(saved.analogue_ids)] if hasattr(
        store, "closed"
    ) else [p for p in _demo() if p.id in set(saved.analogue_ids)]


def _demo() -> list:
    from knowledge.demo import demo_projects

    return list(demo_projects())


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
async def drafted(bot, demo_store: ProjectStore):
    harness = Harness(bot)
    scope = await harness.say(f"/scope {BRIEF}")
    draft = await harness.press(_button(scope, "Draft proposal"))
    return harness, scope, draft


async def test_the_scope_button_saves_the_estimate_and_drafts_privately(drafted, bot) -> None:
    harness, scope, draft = drafted
    assert draft.visibility.value == "dm" and "only you can see this" in draft.text
    text = _client_text(draft)
    for section in ("Your goal", "Deliverables", "Price", "Timeline", "Not included",
                    "Payment terms", "Validity"):
        assert f"**{section}**" in text
    assert "Fixed price:" in text and "80%" in text
    estimate_id = _first_group(r"estimate `(est-[0-9a-f]+)`", draft.text)
    pressed = _button(scope, "Save estimate")
    again = await harness.press(pressed)
    assert "already saved" in again.text and estimate_id in again.text


async def test_no_other_project_name_client_or_figure_reaches_the_client(drafted, bot) -> None:
    _harness, _scope, draft = drafted
    text = _client_text(draft)
    draft_id = _first_group(r"Draft `(p[0-9a-f]+)`", draft.text)
    found = await get_draft(bot.services.db, "local", draft_id)
    assert found is not None
    notes = " ".join(found.version.private_notes)
    analogue_ids = re.findall(r"`(demo-\d+)`", notes)
    assert analogue_ids, notes  # the analogues are named, privately
    projects = {p.id: p for p in _demo()}
    pdf = _pdf_text(text_pdf(export_markdown(found), title="Proposal"))
    for client_text in (text, export_markdown(found), pdf):
        lowered = client_text.lower()
        for project in projects.values():  # every past project of the tenant, not only these
            assert project.title.lower() not in lowered
            if project.client:
                assert project.client.lower() not in lowered
        for analogue in analogue_ids:
            assert analogue not in client_text
            actual = projects[analogue].actual_hours
            assert f"{actual:g} h" not in client_text and f"{actual:g}h" not in client_text
        assert "/h" not in client_text  # the rate is never written


async def test_pricing_tone_and_stale_buttons(drafted) -> None:
    harness, _scope, draft = drafted
    tm = await harness.press(_button(draft, "Time and materials"))
    assert "Time and materials:" in _client_text(tm) and "(v2" in tm.text
    stale = await harness.press(_button(draft, "Approve"))  # v1's button
    assert stale.refused and "version 1" in stale.text
    other = await harness.as_user("bob").press(_button(tm, "Approve"))
    assert other.refused and "only the person who asked" in other.text
    brief = await harness.press(_button(tm, "Change tone (brief)"))
    assert "Reply to accept" in _client_text(brief) and "(v3, brief" in brief.text


async def test_approve_then_start_the_project_with_its_figures(drafted) -> None:
    harness, _scope, draft = drafted
    approved = await harness.press(_button(draft, "Approve"))
    assert approved.text.startswith("Approved") and not approved.refused
    assert not any(b.label == "Post to client channel" for b in approved.buttons)  # no channel
    exported = await harness.press(_button(approved, "Export"))
    assert "**Price**" in exported.text
    started = await harness.press(_button(approved, "Start project"))
    assert started.text.startswith("Added"), started.text
    listed = await harness.say("/projects active")
    total = _first_group(r"Total: (\d+) h", _client_text(draft))
    assert f"of {total} h" in listed.text or f"0 of {total}" in listed.text, listed.text


async def test_bad_input_is_refused_clearly(bot, demo_store: ProjectStore) -> None:
    harness = Harness(bot)
    assert "Usage" in (await harness.say("/proposal")).text
    unknown = await harness.say("/proposal est-00000000")
    assert "can't find the estimate" in unknown.text
    assert "isn't an estimate id" in (await harness.say("/proposal banana")).text
    scope = await harness.say(f"/scope {BRIEF}")
    await harness.press(_button(scope, "Save estimate"))
    estimate_id = _button(scope, "Save estimate").value
    theirs = await harness.as_user("bob").say(f"/proposal {estimate_id}")
    assert "someone else" in theirs.text
    elsewhere = Harness(bot, tenant="other")
    hidden = await elsewhere.say(f"/proposal {estimate_id}")
    assert "can't find the estimate" in hidden.text  # another tenant's never shows
    assert "can't read `soon` as a due date" in (
        await harness.say(f"/proposal {estimate_id} due=soon")
    ).text
    ok = await harness.say(f"/proposal {estimate_id} tm friendly client=\"Bean Co\"")
    assert "Time and materials:" in _client_text(ok) and "Bean Co" in _client_text(ok)
    assert "Unapproved" not in ok.text
    start = await harness.say("/projects add proposal=p000000")
    assert "Nothing was saved" in start.text and "proposal" in start.text


async def test_the_private_notes_name_the_fixed_price_base(drafted, bot) -> None:
    harness, scope, draft = drafted
    assert "Fixed price base: the P80 of the band, which is read from similar projects' " \
        "actual hours, so no overrun is added on top" in draft.text
    estimate_id = _button(scope, "Save estimate").value
    guessed = await harness.say(f"/proposal {estimate_id} guess=50h")
    assert "fixed price, own estimate" in guessed.text
    assert "Fixed price base: your own estimate of 50 h" in guessed.text
    assert not any(b.label.startswith("Price at") for b in guessed.buttons)
    draft_id = _first_group(r"Draft `(p[0-9a-f]+)`", guessed.text)
    found = await get_draft(bot.services.db, "local", draft_id, kind="proposal")
    assert found is not None and found.version.document is not None
    price = found.version.document["price"]
    assert price["base"] == "guess" and price["guess_hours"] == 50
    assert price["hours"] == 50 * (price["overrun"] or 1)
    refused = await harness.say(f"/proposal {estimate_id} guess=lots")
    assert refused.refused and "guess=60" in refused.text
