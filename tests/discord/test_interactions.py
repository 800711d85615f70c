"""Slash commands, buttons and modals, awaited with a fake interaction.

discord.py cannot create an Interaction offline, so ``FakeInteraction`` stands in for it; the
client, the command tree, the views and the bot core under it are all real.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import discord
import discord.ext.test as dpytest

from adapters.discord.client import EXPIRED_BUTTON, NO_HOME_GUILD, OTHER_SERVER, AtelierClient
from adapters.discord.delivery import DM_CLOSED, POSTING
from adapters.discord.keys import ButtonKeys
from adapters.discord.views import EXPIRED_FORM, ActionButton, FormButton, FormModal, OpenFormView
from tests.discord.fakes import FakeInteraction, FakeUser

NONE = discord.AllowedMentions.none().to_dict()


async def run(client: AtelierClient, interaction: FakeInteraction, name: str, *args: str) -> None:
    command = client.tree.get_command(name)
    assert isinstance(command, discord.app_commands.Command)
    await command.callback(interaction, *args)  # type: ignore[arg-type]


def assert_no_pings(*interactions: FakeInteraction) -> None:
    for interaction in interactions:
        for call in interaction.sent():
            assert call.kwargs["allowed_mentions"].to_dict() == NONE, call.name
        for call in interaction.user.dms:
            assert call.kwargs["allowed_mentions"].to_dict() == NONE


async def test_quick_answers_go_out_directly_with_their_visibility(
    client: AtelierClient, make_interaction: Any
) -> None:
    public, private = make_interaction(), make_interaction()
    await run(client, public, "echo", "hello")
    await run(client, private, "private", "psst")
    guild = dpytest.get_config().guilds[0]
    [call] = public.calls()
    assert call.name == "send_message" and call.kwargs["ephemeral"] is False
    assert call.kwargs["content"] == f"echo [{guild.id}] 111: hello"
    [call] = private.calls()
    assert call.name == "send_message" and call.kwargs["ephemeral"] is True
    assert_no_pings(public, private)


async def test_slow_work_is_deferred_then_followed_up(
    client: AtelierClient, make_interaction: Any
) -> None:
    client.reply_budget = 0  # nothing is "quick": every answer waits for the skill
    public, private = make_interaction(), make_interaction()
    await run(client, public, "echo", "hello")
    await run(client, private, "private", "psst")
    # The private "thinking…" state is filled, the answer posted publicly, then the private
    # state deleted: no note is left behind.
    names = [c.name for c in public.calls()]
    assert names == ["defer", "edit_original", "followup", "delete_original"]
    assert public.calls()[0].kwargs == {"thinking": True, "ephemeral": True}
    assert public.calls()[1].kwargs["content"] == POSTING
    assert public.calls()[2].kwargs["ephemeral"] is False
    assert "hello" in public.calls()[2].kwargs["content"]
    assert [c.name for c in private.calls()] == ["defer", "followup"]
    assert private.calls()[1].kwargs["ephemeral"] is True
    assert_no_pings(public, private)


async def test_long_answer_is_split_over_followups_nothing_lost(
    client: AtelierClient, make_interaction: Any
) -> None:
    interaction = make_interaction()
    await run(client, interaction, "long", "30")
    sent = interaction.sent()
    assert len(sent) > 1
    assert sent[0].name == "send_message" and {c.name for c in sent[1:]} == {"followup"}
    for i in range(30):
        assert f"Paragraph {i}: " in interaction.text()
    assert all(len(c.kwargs["content"]) <= 2000 for c in sent)
    assert_no_pings(interaction)


async def test_draft_goes_to_dms_and_the_channel_gets_an_ephemeral_notice(
    client: AtelierClient, make_interaction: Any
) -> None:
    interaction = make_interaction()
    await run(client, interaction, "draft", "weekly")
    [dm] = interaction.user.dms
    assert dm.kwargs["embeds"][0].title == "Draft update"
    assert isinstance(dm.kwargs["view"], discord.ui.View)
    [call] = interaction.sent()
    assert call.kwargs["content"] == "Draft sent to your DMs." and call.kwargs["ephemeral"]
    assert "weekly" not in interaction.text()
    assert_no_pings(interaction)


async def test_closed_dms_are_explained_privately_and_nothing_is_posted(
    client: AtelierClient, make_interaction: Any
) -> None:
    interaction = make_interaction(FakeUser(111, dms_open=False))
    await run(client, interaction, "draft", "weekly")
    [call] = interaction.sent()
    assert call.kwargs["content"] == DM_CLOSED and call.kwargs["ephemeral"] is True
    assert "weekly" not in interaction.text()


async def test_slash_command_in_dm_without_home_guild_is_refused(
    client: AtelierClient, make_interaction: Any
) -> None:
    interaction = make_interaction(in_guild=False)
    await run(client, interaction, "echo", "hello")
    [call] = interaction.sent()
    assert call.kwargs["content"] == NO_HOME_GUILD and call.kwargs["ephemeral"]


async def test_rich_reply_sends_embeds_files_and_persistent_buttons(
    client: AtelierClient, make_interaction: Any
) -> None:
    interaction = make_interaction()
    await run(client, interaction, "rich")
    [call] = interaction.sent()
    assert call.kwargs["embeds"][0].title == "Estimate"
    assert [f.filename for f in call.kwargs["files"]] == ["chart.png"]
    view = call.kwargs["view"]
    assert view.timeout is None and view.is_persistent()
    [button] = view.children
    assert isinstance(button, ActionButton)
    guild = dpytest.get_config().guilds[0]
    assert button.custom_id == f"atl:111:{guild.id}:fake:save|s1"


# --- buttons ---------------------------------------------------------------------------------


async def _draft_buttons(client: AtelierClient, make_interaction: Any, user: FakeUser):
    interaction = make_interaction(user)
    await run(client, interaction, "draft", "weekly")
    [dm] = interaction.user.dms
    return dm.kwargs["view"].children


async def test_owner_pressing_a_draft_button_reaches_the_skill(
    client: AtelierClient, make_interaction: Any
) -> None:
    approve, _discard = await _draft_buttons(client, make_interaction, FakeUser(111))
    press = make_interaction(FakeUser(111))
    assert await approve.interaction_check(press) is True
    await approve.callback(press)
    guild = dpytest.get_config().guilds[0]
    [call] = press.sent()
    assert call.kwargs["content"] == f"approve d1 by 111 in {guild.id}"
    assert call.kwargs["ephemeral"] is True


async def test_another_user_pressing_a_draft_button_is_refused(
    client: AtelierClient, make_interaction: Any
) -> None:
    approve, _discard = await _draft_buttons(client, make_interaction, FakeUser(111))
    intruder = make_interaction(FakeUser(222, name="mallory"))
    assert await approve.interaction_check(intruder) is False
    [call] = intruder.sent()
    assert (
        call.kwargs["ephemeral"] is True
        and "belong to the person who asked" in (call.kwargs["content"])
    )
    assert_no_pings(intruder)


async def test_buttons_survive_a_restart_even_with_long_values(
    client: AtelierClient, make_interaction: Any, discord_bot: Any
) -> None:
    guild_id = str(dpytest.get_config().guilds[0].id)
    custom_id = await client.keys.encode("111", guild_id, "fake:approve", "v" * 150)
    assert len(custom_id) <= 100 and custom_id.startswith(f"atl:111:{guild_id}:#")
    # A new process: fresh key store on the same database, button rebuilt from its id alone.
    restarted = AtelierClient(discord_bot, discord_bot.services.settings)
    pressed = await ButtonKeys(discord_bot.services.db).decode(custom_id)
    assert pressed is not None and pressed.value == "v" * 150 and pressed.tenant == guild_id
    match = ActionButton.__discord_ui_compiled_template__.match(custom_id)
    assert match is not None
    press = make_interaction(FakeUser(111))
    press.client = restarted
    button = await ActionButton.from_custom_id(press, discord.ui.Button(), match)
    assert await button.interaction_check(press)
    await button.callback(press)
    assert press.sent()[0].kwargs["content"].startswith("approve " + "v" * 150 + " by 111")


async def test_draft_buttons_pressed_in_dms_act_where_the_draft_was_made(
    client: AtelierClient, make_interaction: Any
) -> None:
    approve, _discard = await _draft_buttons(client, make_interaction, FakeUser(111))
    press = make_interaction(FakeUser(111), in_guild=False)  # the draft lives in DMs
    await approve.callback(press)
    guild = dpytest.get_config().guilds[0]
    assert press.sent()[0].kwargs["content"] == f"approve d1 by 111 in {guild.id}"


async def test_a_button_never_acts_in_another_server(
    client: AtelierClient, make_interaction: Any
) -> None:
    approve, _discard = await _draft_buttons(client, make_interaction, FakeUser(111))
    press = make_interaction(FakeUser(111))
    press.guild_id = 424242  # somehow pressed in a different server
    await approve.callback(press)
    assert press.sent()[0].kwargs["content"] == OTHER_SERVER


async def test_unknown_button_key_says_expired(
    client: AtelierClient, make_interaction: Any
) -> None:
    press = make_interaction()
    await client.press_button(press, "atl:111:1:#0000000000000000")
    assert press.sent()[0].kwargs["content"] == EXPIRED_BUTTON


async def test_replace_original_edits_the_pressed_message(
    client: AtelierClient, make_interaction: Any
) -> None:
    _approve, discard = await _draft_buttons(client, make_interaction, FakeUser(111))
    press = make_interaction(FakeUser(111), message=SimpleNamespace(id=777))
    await discard.callback(press)
    [call] = press.sent()
    assert call.name == "edit_message" and call.kwargs["content"].startswith("discard d1")
    assert_no_pings(press)


# --- forms -----------------------------------------------------------------------------------


def _fill(modal: FormModal, interaction: FakeInteraction, **answers: str) -> None:
    """What discord.py does with a submitted modal's values."""
    for name, value in answers.items():
        modal.inputs[name]._refresh_state(interaction, {"value": value})  # type: ignore[arg-type,typeddict-item]


async def test_form_opens_as_modal_in_pages_required_fields_first(
    client: AtelierClient, make_interaction: Any
) -> None:
    interaction = make_interaction()
    await run(client, interaction, "form")
    modal = interaction.response.modal
    assert isinstance(modal, FormModal)
    assert modal.title == "Add a project (1/2)"
    assert list(modal.inputs) == ["name", "hours", "notes", "client", "rate"]
    submit = make_interaction()  # a modal submission is an interaction of its own
    _fill(modal, submit, name="Shop", hours="40", notes="Two themes", client="", rate="")
    await modal.on_submit(submit)
    [note] = submit.sent()
    assert "Part 1 of 2" in note.kwargs["content"] and note.kwargs["ephemeral"]
    opener = note.kwargs["view"]
    assert isinstance(opener, OpenFormView)
    second = make_interaction()
    await opener.open_button.callback(second)
    page_two = second.response.modal
    assert isinstance(page_two, FormModal) and list(page_two.inputs) == ["due", "channel"]
    submit_two = make_interaction()
    _fill(page_two, submit_two, due="2026-12-24", channel="")
    await page_two.on_submit(submit_two)
    [saved] = submit_two.sent()
    assert saved.kwargs["content"] == "saved Shop (40 h) notes=Two themes"
    assert saved.kwargs["ephemeral"] is False


async def test_form_errors_keep_answers_and_reopen_the_faulty_field_first(
    client: AtelierClient, make_interaction: Any
) -> None:
    interaction = make_interaction()
    await run(client, interaction, "form")
    modal = interaction.response.modal
    modal.pages = modal.pages[:1]  # submit after one page: the rest stay empty
    submit = make_interaction()
    _fill(modal, submit, name="Shop", hours="forty", notes="Keep me", client="", rate="")
    await modal.on_submit(submit)
    [problem] = submit.sent()
    assert "Please give a number of hours" in problem.kwargs["content"]
    retry = problem.kwargs["view"]
    again = make_interaction()
    await retry.open_button.callback(again)
    reopened = again.response.modal
    assert next(iter(reopened.inputs)) == "hours"
    assert reopened.inputs["hours"].value == "forty"
    assert reopened.inputs["notes"].value == "Keep me"  # nothing typed is lost


async def test_form_after_a_deferral_offers_a_button_to_open_it(
    client: AtelierClient, make_interaction: Any
) -> None:
    client.reply_budget = 0
    interaction = make_interaction()
    await run(client, interaction, "form")
    assert [c.name for c in interaction.calls()] == ["defer", "followup"]
    view = interaction.calls()[1].kwargs["view"]
    assert isinstance(view, OpenFormView)
    opened = make_interaction()
    await view.open_button.callback(opened)
    assert isinstance(opened.response.modal, FormModal)


async def test_someone_else_cannot_open_or_submit_your_form(
    client: AtelierClient, make_interaction: Any
) -> None:
    interaction = make_interaction(FakeUser(111))
    await run(client, interaction, "form")
    intruder = make_interaction(FakeUser(222))
    assert await interaction.response.modal.interaction_check(intruder) is False


async def test_a_failure_while_answering_a_command_is_answered_privately(
    client: AtelierClient, make_interaction: Any
) -> None:
    quick, slow = make_interaction(), make_interaction()
    await run(client, quick, "broken")
    client.reply_budget = 0
    await run(client, slow, "broken")
    assert [c.name for c in quick.calls()] == ["send_message"]
    assert [c.name for c in slow.calls()] == ["defer", "followup"]
    for interaction in (quick, slow):
        [call] = interaction.sent()
        assert call.kwargs["ephemeral"] is True and "error id" in call.kwargs["content"]


async def test_help_by_slash_command_shows_discord_syntax(
    client: AtelierClient, make_interaction: Any
) -> None:
    interaction = make_interaction()
    await run(client, interaction, "help")
    [call] = interaction.sent()
    [embed] = call.kwargs["embeds"]
    assert embed.title == "Atelier — what I can do" and call.kwargs["ephemeral"] is True
    assert "```" in embed.description and "/echo words: x" in embed.description


async def test_an_empty_reply_still_answers_the_interaction(
    client: AtelierClient, make_interaction: Any
) -> None:
    client.reply_budget = 0  # deferred: the "thinking…" state must be resolved
    interaction = make_interaction()
    await run(client, interaction, "empty")
    assert [c.name for c in interaction.calls()] == ["defer", "followup"]
    assert interaction.calls()[1].kwargs["content"] == "Done."


async def test_a_form_page_survives_a_restart_with_its_answers(
    client: AtelierClient, make_interaction: Any, discord_bot: Any
) -> None:
    interaction = make_interaction()
    await run(client, interaction, "form")
    modal = interaction.response.modal
    submit = make_interaction()
    _fill(modal, submit, name="Shop", hours="40", notes="Two themes", client="", rate="")
    await modal.on_submit(submit)
    [note] = submit.sent()
    custom_id = note.kwargs["view"].open_button.custom_id
    assert len(custom_id) <= 100 and custom_id.startswith("atlf:111:")
    # A new process: only the button's id is left; the page and answers come from the database.
    restarted = AtelierClient(discord_bot, discord_bot.services.settings)
    match = FormButton.__discord_ui_compiled_template__.match(custom_id)
    assert match is not None
    press = make_interaction(FakeUser(111))
    press.client = restarted
    button = await FormButton.from_custom_id(press, discord.ui.Button(), match)
    intruder = make_interaction(FakeUser(222))
    assert await button.interaction_check(intruder) is False
    assert await button.interaction_check(press)
    await button.callback(press)
    page_two = press.response.modal
    assert isinstance(page_two, FormModal) and list(page_two.inputs) == ["due", "channel"]
    submit_two = make_interaction()
    submit_two.client = restarted
    _fill(page_two, submit_two, due="2026-12-24", channel="")
    await page_two.on_submit(submit_two)
    [saved] = submit_two.sent()
    assert saved.kwargs["content"] == "saved Shop (40 h) notes=Two themes"


async def test_an_unknown_form_button_says_it_expired(
    client: AtelierClient, make_interaction: Any
) -> None:
    press = make_interaction()
    await FormButton("atlf:111:0123456789abcdef").callback(press)
    [call] = press.sent()
    assert call.kwargs["content"] == EXPIRED_FORM and call.kwargs["ephemeral"]


async def test_a_forged_form_button_with_another_owner_opens_nothing(
    client: AtelierClient, make_interaction: Any
) -> None:
    interaction = make_interaction()
    await run(client, interaction, "form")
    submit = make_interaction()
    _fill(interaction.response.modal, submit, name="Shop", hours="40", notes="", client="", rate="")
    await interaction.response.modal.on_submit(submit)
    custom_id = submit.sent()[0].kwargs["view"].open_button.custom_id
    # Someone else rewrites the owner part of the id so that the press check lets them through.
    forged = custom_id.replace("atlf:111:", "atlf:222:")
    assert await client.keys.load_form(forged) is None
    press = make_interaction(FakeUser(222))
    await FormButton(forged).callback(press)
    assert press.sent()[0].kwargs["content"] == EXPIRED_FORM
    assert await client.keys.load_form(custom_id) is not None
