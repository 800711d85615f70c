"""Long button values are stored server-side by the core, so every platform keeps its buttons.

The skill below (loaded from this module) hands out a button whose value and action id are
longer than Slack or Discord can carry; the console adapter presses it like a person would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.runtime import build_services
from adapters.slack.blocks import to_blocks
from bot.button_values import MAX_ACTION_ID, MAX_VALUE, STORED_PREFIX
from bot.config import Settings
from bot.core import Bot
from bot.messages import Action, Button, Buttons, Paragraph, Reply, Request, text_reply
from bot.registry import Command, SkillRegistry
from bot.services import Services
from tests.conftest import Harness

LONG_VALUE = "brief: " + "a shop with many products and a custom theme. " * 80  # ~3,700 chars
LONG_ACTION = "longbutton:" + "x" * 300


async def offer(request: Request, services: Services) -> Reply:
    return Reply(
        blocks=(
            Paragraph(text="Pick one"),
            Buttons(
                items=(
                    Button(label="Long", action_id="longbutton:echo", value=LONG_VALUE),
                    Button(label="Wide", action_id=LONG_ACTION, value="w"),
                    Button(label="Short", action_id="longbutton:echo", value="short"),
                )
            ),
        )
    )


async def on_press(action: Action, services: Services) -> Reply:
    return text_reply(f"{action.action_id[:40]}|{len(action.value)}|{action.value[:20]}")


def setup(registry: SkillRegistry) -> None:
    registry.command(
        Command(name="offer", summary="Long buttons", usage="", examples=(), handler=offer)
    )
    registry.action("longbutton", on_press)


@pytest.fixture
async def long_bot(settings: Settings) -> AsyncIterator[Bot]:
    instance = Bot(build_services(settings), skills=(__name__,))
    await instance.start()
    yield instance
    await instance.close()


def _buttons(reply: Reply) -> tuple[Button, ...]:
    return next(b for b in reply.blocks if isinstance(b, Buttons)).items


async def test_long_values_leave_the_core_short_and_come_back_whole(long_bot: Bot) -> None:
    harness = Harness(long_bot)
    reply = await harness.say("/offer")
    long, wide, short = _buttons(reply)
    for button in (long, wide, short):
        assert len(button.value) <= MAX_VALUE and len(button.action_id) <= MAX_ACTION_ID
    assert long.action_id.startswith(STORED_PREFIX) and wide.action_id.startswith(STORED_PREFIX)
    assert short.value == "short"  # a button that fits is untouched
    # Slack renders every button: nothing falls back to text.
    [message] = to_blocks(reply).messages
    actions = next(b for b in message.blocks if b["type"] == "actions")
    assert [e["text"]["text"] for e in actions["elements"]] == ["Long", "Wide", "Short"]
    pressed = await harness.press(long)
    assert pressed.text == f"longbutton:echo|{len(LONG_VALUE)}|{LONG_VALUE[:20]}"
    pressed = await harness.press(wide)
    assert pressed.text == f"{LONG_ACTION[:40]}|1|w"


async def test_a_stored_button_survives_a_restart_and_stays_in_its_workspace(
    long_bot: Bot, settings: Settings
) -> None:
    long, _, _ = _buttons(await Harness(long_bot).say("/offer"))
    restarted = Bot(build_services(settings), skills=(__name__,))
    try:
        answer = await Harness(restarted).press(long)
        assert answer.text.startswith(f"longbutton:echo|{len(LONG_VALUE)}|")
        elsewhere = await Harness(restarted, tenant="another").press(long)
        assert "no longer supported" in elsewhere.text  # never another workspace's value
    finally:
        await restarted.close()


async def test_the_same_button_twice_is_stored_once(long_bot: Bot) -> None:
    first, _, _ = _buttons(await Harness(long_bot).say("/offer"))
    again, _, _ = _buttons(await Harness(long_bot).say("/offer"))
    assert first.action_id == again.action_id
