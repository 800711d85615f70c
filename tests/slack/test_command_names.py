"""Command names that never collide: a configured prefix (/at-log), and /atelier <command>."""

from __future__ import annotations

from adapters.runtime import build_services
from bot.core import Bot
from tests.slack.conftest import TEST_SKILLS, serving


async def _answer(slack, name: str, text: str) -> str:
    status, _ = await slack.command(name, text)
    assert status == 200
    await slack.settle()
    return slack.fake.of("response_url")[-1].text


async def test_a_prefix_renames_every_command_and_the_plain_names_are_not_answered(
    slack_settings, fake_slack
):
    settings = slack_settings.model_copy(update={"slack_command_prefix": "at-"})
    bot = Bot(build_services(settings), skills=(*TEST_SKILLS, "bot.skills.atelier"))
    await bot.start()
    try:
        async with serving(bot, settings, fake_slack) as slack:
            assert "Logged for alice: shipped" in await _answer(slack, "at-log", "shipped")
            before = len(fake_slack.calls)
            status, _ = await slack.command("log", "not ours")  # another app's /log
            await slack.settle()
            assert status == 404 or not fake_slack.of("response_url")[before:]
    finally:
        await bot.close()


async def test_atelier_carries_any_command_as_its_first_word(slack_settings, fake_slack):
    bot = Bot(build_services(slack_settings), skills=(*TEST_SKILLS, "bot.skills.atelier"))
    await bot.start()
    try:
        async with serving(bot, slack_settings, fake_slack) as slack:
            assert "Logged for alice: checkout done" in await _answer(
                slack, "atelier", "log checkout done"
            )
            assert "/scope" in await _answer(slack, "atelier", "help")
            # Its own words still mean what they did.
            assert "Logged for" not in await _answer(slack, "atelier", "home")
    finally:
        await bot.close()
