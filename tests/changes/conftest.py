"""Fixtures for change requests: a fixed clock, a project with an agreed scope."""

from __future__ import annotations

import pytest

from bot.messages import Button, Reply
from tests.updates.conftest import Clock

# A project whose brief is the agreed scope, with an estimate, a budget and a due date.
ACME = (
    'name="Acme coffee shop" client="Acme Corp" aliases=acme estimate=120 budget=10800 '
    "rate=90 currency=EUR start=2026-11-20 due=2027-01-15 channel=C0CLIENT "
    'summary="Shopify store with a custom theme for a coffee roaster: product pages with '
    'grind options, a subscription app, a wholesale price list and a brew guide blog. Two '
    'design revision rounds."'
)


@pytest.fixture
def clock(bot) -> Clock:
    fixed = Clock()
    bot.services.clock = fixed
    return fixed


async def add_acme(harness, args: str = ACME) -> Reply:
    answer = await harness.say(f"/projects add {args}")
    assert answer.text.startswith("Added"), answer.text
    return answer


def button(reply: Reply, label: str) -> Button:
    for found in reply.buttons:
        if found.label.startswith(label):
            return found
    raise AssertionError(f"no button {label!r} in {[b.label for b in reply.buttons]}")


def field(reply: Reply, label: str) -> str:
    for block in reply.blocks:
        for item in getattr(block, "items", ()):
            if getattr(item, "label", None) == label and hasattr(item, "value"):
                return str(item.value)
    raise AssertionError(f"no field {label!r} in {reply.text}")
