"""Page numbers as people (and pasted text) type them: every one gets a clear answer, never an
internal error, and a huge number is not repeated back at its full length."""

from __future__ import annotations

import pytest

from bot.core import Bot
from tests.history.test_projects_list_pages import listing


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("list page -1", "`page -1` is not a page"),
        ("list page ²", "`page ²` is not a page"),  # a digit to isdigit(), not to int()
        ("list removed page ³", "`page ³` is not a page"),
        ("list page 000", "`page 000` is not a page"),
        ("list page 99999999999999999999", "Nothing is on a page that far."),
        ("list page " + "9" * 5000, "Nothing is on a page that far."),  # past int()'s limit
        ("list page 0003", "Nothing is on page 3."),
        ("list page", "Which page? Try `/projects list page 2`."),
        ("list removed page", "Which page? Try `/projects list page 2`."),
        ("list PAGE   ", "Which page? Try `/projects list page 2`."),
    ],
)
async def test_odd_page_numbers_get_a_clear_answer(
    bot: Bot, demo_store, text: str, says: str
) -> None:
    reply = await listing(bot, text)
    assert reply.refused and says in reply.text, reply.text
    assert "went wrong" not in reply.text and len(reply.text) < 300
    assert not reply.facts.get("projects")


async def test_leading_zeros_name_the_same_page(bot: Bot, demo_store) -> None:
    assert (await listing(bot, "list page 02")).facts == (await listing(bot, "list page 2")).facts
