"""A command that is not a brief is never priced: it goes to the right skill or gets a message.

Through the console harness (routing, the scope skill's argument handling, the other skills)
and as unit tests of the recognisers themselves.
"""

from __future__ import annotations

import re

import pytest

from bot.errors import AtelierError
from bot.messages import Reply
from bot.router import not_a_brief
from bot.scoping.brief import RateCommand, rate_command
from tests.conftest import Harness

_PRICED = re.compile(r"≈|Scope estimate|80% range|[$€£]\s?\d+(?:\.\d)?k\b")


def _not_priced(reply: Reply) -> str:
    text = reply.text
    assert not _PRICED.search(text), text
    assert not any(b.action_id.startswith("scope:") for b in reply.buttons), text
    return text


# --- /scope rate ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/scope rate -5", "must be above 0"),
        ("/scope rate 0", "must be above 0"),
        ("/scope rate −12 EUR", "must be above 0"),
        ("/scope rate 250000", "at most 100,000"),
        ("/scope rate abc", "can't read `abc` as an hourly rate"),
        ("/scope rate 5 5 5", "can't read"),
        ("/scope rate 1e5", "can't read"),
        ("/scope rate ??", "can't read"),
        ("/scope rate 120 zorkmids", "I don't know the currency"),
        ("/scope rate 120 EUR for the big website project", "can't read"),
    ],
)
async def test_bad_rates_get_a_clear_error_and_change_nothing(
    scope_harness: Harness, line: str, expected: str
) -> None:
    text = _not_priced(await scope_harness.say(line))
    assert expected in text, text
    # The workspace's rate is unchanged: still the default.
    shown = (await scope_harness.say("/scope rate")).text
    assert "the default rate" in shown, shown


async def test_good_rates_are_saved_and_a_brief_starting_with_rate_is_sized(
    scope_harness: Harness,
) -> None:
    assert "€95/h" in (await scope_harness.say("/scope rate €95/h")).text
    assert "this workspace's rate: €95/h" in (await scope_harness.say("/scope rate")).text
    assert "Back to the default" in (await scope_harness.say("/scope rate reset")).text
    sized = await scope_harness.say("/scope rate comparison website for insurance brokers")
    assert "Scope" in sized.text and "can't read" not in sized.text


def test_rate_arguments_unit() -> None:
    assert rate_command("rate") == RateCommand()
    assert rate_command("rate reset") == RateCommand(reset=True)
    assert rate_command("rate 120 EUR") == RateCommand(amount=120.0, currency="EUR")
    assert rate_command("rate: 90,50 €/h please") == RateCommand(amount=90.5, currency="EUR")
    assert rate_command("hourly rate of $80 per hour") == RateCommand(amount=80.0, currency="USD")
    assert rate_command("rate comparison site for energy tariffs") is None  # a brief
    assert rate_command("ratelimited API gateway") is None
    assert rate_command("landing page, rate 120") is None  # an override inside a brief
    for junk in ("rate -5", "rate 0", "rate abc", "rate 12 34 56", "rate -", "rate 5 xyz"):
        with pytest.raises(AtelierError):
            rate_command(junk)


# --- questions for other skills --------------------------------------------------------------


async def _acme(harness: Harness) -> None:
    added = await harness.say(
        '/projects add name="Acme web shop" client="Acme" aliases=acme estimate=40'
    )
    assert added.text.startswith("Added"), added.text
    logged = await harness.say("/log acme done: checkout flow, 2h30")
    assert logged.text.startswith("Logged"), logged.text


@pytest.mark.parametrize(
    "line",
    [
        "hours logged so far?",
        "/scope show me my log",
    ],
)
async def test_hours_logged_questions_show_the_hours_not_a_price(
    scope_harness: Harness, line: str
) -> None:
    await _acme(scope_harness)
    text = _not_priced(await scope_harness.say(line))
    assert "Active projects" in text and "Acme web shop" in text and "2.5" in text, text


@pytest.mark.parametrize(
    "line",
    ["how many hours have I logged this week?", "/scope how many hours have I logged this week?"],
)
async def test_hours_in_a_period_get_the_time_summary_not_a_price(
    scope_harness: Harness, line: str
) -> None:
    await _acme(scope_harness)
    text = _not_priced(await scope_harness.say(line))
    assert "Time:" in text and "Acme web shop" in text and "Total: 2.5 h" in text, text


@pytest.mark.parametrize(
    "line",
    [
        "what did I log on acme?",
        "/scope what did I log on acme this week?",
        "what's the status of acme?",
        "/scope how is acme going?",
        "is acme on track?",
    ],
)
async def test_questions_about_one_project_list_its_log(scope_harness: Harness, line: str) -> None:
    await _acme(scope_harness)
    text = _not_priced(await scope_harness.say(line))
    assert "Log — Acme web shop" in text and "checkout flow" in text, text


async def test_an_unknown_project_gets_a_clear_message(scope_harness: Harness) -> None:
    text = _not_priced(await scope_harness.say("/scope what did I log on zeta?"))
    assert "I don't know an active project called “zeta”" in text, text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("help", "what I can do"),
        ("/scope help", "Tell me what the client wants"),
        ("hi", "Hi!"),
        ("/scope hi", "Hi!"),
        ("Hello there!", "Hi!"),
        ("thanks", "Tell me what you need"),
        ("/scope thanks!", "You're welcome!"),
        ("/scope ok thank you", "You're welcome!"),
    ],
)
async def test_small_talk_and_help_are_answered_not_priced(
    scope_harness: Harness, line: str, expected: str
) -> None:
    text = _not_priced(await scope_harness.say(line))
    assert expected in text, text


# --- the recogniser -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "command", "argument"),
    [
        ("how many hours have I logged this week?", "log", "summary this week"),
        ("what did I log on acme?", "log", "acme"),
        ("What did we log for the Acme shop this week?", "log", "Acme shop"),
        ("how many hours have I spent on the checkout for acme?", "log", "acme"),
        ("time logged on acme in total?", "log", "acme"),
        ("show me my log", "projects", "active"),
        ("what is the status of acme?", "log", "acme"),
        ("where are we with acme", "log", "acme"),
        ("acme status", "log", "acme"),
        ("project status?", "projects", "active"),
        ("how long did the coffee shop take?", "projects", "search coffee shop"),
        ("help", "help", ""),
        ("<@U123> hi", None, ""),
        ("thank you so much", None, ""),
    ],
)
def test_not_a_brief_routes(text: str, command: str | None, argument: str) -> None:
    found = not_a_brief(text)
    assert found is not None
    assert (found.command, found.text) == (command, argument)


@pytest.mark.parametrize(
    "text",
    [
        "Shopify store with a custom theme",
        "a website",
        "how many hours would a Shopify store take?",
        "time tracking app where employees see hours tracked per project",
        "How long would a time tracking app take where staff see hours tracked?",
        "Shopify app showing delivery status for each order",
        "a website where I can see my log of workouts",
        "What is the status page for our SaaS going to cost?",
        "hello world app",
        "a thank-you page for a wedding site",
        "log acme: done",
    ],
)
def test_briefs_that_share_words_with_those_questions_stay_briefs(text: str) -> None:
    assert not_a_brief(text) is None
