"""Free-text routing by an optional model; the rule-based router stays first and the fallback."""

from __future__ import annotations

import pytest

from bot.core import Bot
from bot.intent import IntentClassifier, pick
from bot.messages import Request
from tests.compose.fakes import (
    FailingModel,
    HangingModel,
    RecordingModel,
    ToolCallingModel,
    quoted_block,
    scripted,
    tool_answer,
)


def _free_text(text: str) -> Request:
    return Request(tenant="T1", user_id="U1", text=text, platform="test")


async def test_a_message_the_rules_miss_is_routed_by_the_model(bot: Bot):
    model = RecordingModel(respond=lambda prompt: "help")
    bot.services.intent_classifier = IntentClassifier(model)
    reply = await bot.handle(_free_text("what sort of things can you do for me?"))
    assert reply is not None and "/help" in reply.text and "not sure" not in reply.text
    (prompt,) = model.prompts
    assert "- help:" in prompt  # the registry's commands are the only choices
    assert quoted_block(prompt, "message") == "what sort of things can you do for me?"


async def test_structured_output_is_used_when_available(bot: Bot):
    model = ToolCallingModel(messages=iter([tool_answer("CommandChoice", command="help")]))
    classifier = IntentClassifier(model)
    assert await classifier("show me the commands", bot.registry.commands) == "help"


@pytest.mark.parametrize(
    "model",
    [
        scripted("none"),
        scripted("deploy_to_production"),  # not a command: never run
        FailingModel(),
        HangingModel(),
    ],
    ids=["none", "unknown", "error", "timeout"],
)
async def test_no_usable_answer_means_not_understood(bot: Bot, model):
    bot.services.intent_classifier = IntentClassifier(model, timeout=0.05)
    reply = await bot.handle(_free_text("banana"))
    assert reply is not None and "not sure what you'd like" in reply.text


async def test_commands_never_reach_the_model(bot: Bot):
    model = RecordingModel(respond=lambda prompt: "help")
    bot.services.intent_classifier = IntentClassifier(model)
    await bot.handle(Request(tenant="T1", user_id="U1", command="deploy", platform="test"))
    await bot.handle(_free_text("/help"))
    await bot.handle(_free_text(""))
    assert model.prompts == []


async def test_without_a_model_free_text_is_not_understood(bot: Bot):
    assert bot.services.intent_classifier is None
    reply = await bot.handle(_free_text("what sort of things can you do for me?"))
    assert reply is not None and "not sure what you'd like" in reply.text


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("help", "help"),
        ("/help", "help"),
        ("`Help`.", "help"),
        ("The best fit is help.", "help"),
        ("none", None),
        ("helpdesk", None),
        ("", None),
    ],
)
def test_pick_accepts_only_a_registered_command(bot: Bot, answer, expected):
    assert pick(answer, bot.registry.commands) == expected
