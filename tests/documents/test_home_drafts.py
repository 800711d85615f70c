"""The home view lists every open draft as what it is: an update, a proposal or a change order,
each with the buttons its own skill answers (pressing them acts on that draft)."""

from __future__ import annotations

from knowledge.store import ProjectStore
from tests.changes.conftest import add_acme, button
from tests.conftest import Harness

BRIEF = "Shopify store for a coffee roaster with subscriptions and a custom theme"


def _section(text: str, kind: str) -> str:
    return next(line for line in text.splitlines() if f"— {kind} draft `" in line)


async def test_home_names_each_kind_of_draft_and_its_buttons_act(
    harness: Harness, demo_store: ProjectStore
) -> None:
    await add_acme(harness)
    await harness.say("/log acme done: product pages 3h")
    update = await harness.say("/update acme")
    scope = await harness.say(f"/scope {BRIEF}")
    proposal = await harness.press(button(scope, "Draft proposal"))
    judged = await harness.say("/change acme a loyalty points program")
    change = await harness.press(button(judged, "Draft change order"))
    assert not (update.refused or proposal.refused or change.refused)

    home = await harness.say("/atelier home")
    assert "Acme" in _section(home.text, "update")
    assert "Shopify store for a coffee roaster" in _section(home.text, "proposal")
    assert "Acme" in _section(home.text, "change order")
    kinds = {b.action_id.split(":")[0] for b in home.buttons if b.label == "Approve"}
    assert kinds == {"update", "proposal", "change"}
    assert not any(b.action_id == "change:regenerate" for b in home.buttons)

    for kind, heading in (("proposal", "Approved — proposal"), ("change", "Approved")):
        pressed = next(b for b in home.buttons if b.action_id == f"{kind}:approve")
        assert pressed.value.startswith(kind[0])
        approved = await harness.press(pressed)
        assert not approved.refused and approved.text.startswith(heading), approved.text
    discard = next(b for b in home.buttons if b.action_id == "update:discard")
    discarded = await harness.press(discard)
    assert not discarded.refused

    home = await harness.say("/atelier home")
    assert "`/proposal <estimate id>`" in home.text  # nothing waiting: how to draft each kind
