"""One mention rule: echoed data keeps its words and people, model text addresses no one."""

from __future__ import annotations

import pytest

from adapters.slack.blocks import escape
from bot.grounding import strip_mentions as grounding_strip
from bot.mentions import can_ping, neutralise_mentions, strip_mentions
from bot.scoping import wording


@pytest.mark.parametrize(
    "text", ["@channel now", "<!here> now", "＠everyone now", "@all now", "<@&42> now"]
)
def test_every_writer_breaks_a_mass_mention_the_same_way(text: str) -> None:
    assert not can_ping(neutralise_mentions(text))
    assert wording.safe(text) == neutralise_mentions(text)
    # Slack's escaping already defuses the bracketed forms; the bare ones get the break.
    assert not can_ping(escape(text))
    assert "\u200b" in escape(text) or escape(text).startswith("&lt;")


def test_echoed_data_keeps_the_people_it_names() -> None:
    assert neutralise_mentions("thanks <@U0123ABC>") == "thanks <@U0123ABC>"
    assert strip_mentions("thanks <@U0123ABC|maria> and <@987>") == "thanks maria and "


def test_the_composer_uses_the_same_rule() -> None:
    assert grounding_strip is strip_mentions


def test_an_email_address_stays_whole() -> None:
    assert neutralise_mentions("write to ops@team.example or hi@all.example") == (
        "write to ops@team.example or hi@all.example"
    )
    assert escape("ops@team.example") == "ops@team.example"
    assert neutralise_mentions("@team please") == "@\u200bteam please"
