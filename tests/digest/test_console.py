"""`/atelier …` in the console: usage, friendly mistakes, the home view and its buttons."""

from __future__ import annotations

from tests.conftest import Harness


async def test_usage_and_friendly_mistakes(harness: Harness) -> None:
    usage = await harness.say("/atelier")
    assert "/atelier digest on fri 15:00 Europe/Berlin" in usage.text
    meant = await harness.say("/atelier digest fri 15:00")
    assert meant.refused and "Did you mean `/atelier digest on fri 15:00`?" in meant.text
    unknown = await harness.say("/atelier digest weekly please")
    assert unknown.refused and "I don't know `/atelier digest weekly`" in unknown.text
    extra = await harness.say("/atelier digest off now")
    assert extra.refused and "takes nothing after it" in extra.text
    assert "already off" in (await harness.say("/atelier digest off")).text


async def test_home_view_and_its_buttons(harness: Harness) -> None:
    home = await harness.say("/atelier home")
    assert "Welcome!" in home.text and "Weekly digest" in home.text
    add = next(b for b in home.buttons if b.label == "Add a project")
    form = await harness.press(add)
    assert form.form is not None and form.form.form_id == "project-form:add"

    await harness.say('/projects add name="Acme shop" estimate=20')
    await harness.say("/log acme-shop done: homepage, 5h")
    home = await harness.say("/atelier home")
    assert "Acme shop" in home.text and "5 of 20 h" in home.text and "▰▰▰▱" in home.text
    digest = await harness.press(next(b for b in home.buttons if b.label == "Digest now"))
    assert "1 active project of yours" in digest.text and "homepage" in digest.text
    draft = await harness.press(digest.buttons[0])
    assert "Draft update — Acme shop" in draft.text
    home = await harness.say("/atelier home")
    assert "Drafts awaiting your approval" in home.text and "`" in home.text
    assert any(b.action_id == "update:approve" for b in home.buttons)
