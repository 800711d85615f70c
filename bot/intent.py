"""Free text the rule-based router does not understand, classified by an optional model.

Only used when ``ATELIER_LLM`` is set, and only after the router's own intents found nothing.
The model (asked through :mod:`language.intent`) picks one command name from the registry, or
none; its answer is checked against the registry here, so it can never run anything that is
not a command. Timeouts and errors mean "not understood", exactly as without a model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.logs import get_logger
from bot.services import CommandSpec
from language import ModelError, UsageLog, intent_chain, intent_variables, load_chat_model

if TYPE_CHECKING:
    from bot.config import Settings
    from language import ChatModel

log = get_logger(__name__)


def _descriptions(commands: Mapping[str, CommandSpec]) -> dict[str, str]:
    """Each command's summary and first example: what the model chooses from."""
    described = {}
    for name, command in commands.items():
        example = f" (e.g. {command.examples[0]})" if command.examples else ""
        described[name] = f"{command.summary}{example}"
    return described


def pick(answer: str, commands: Mapping[str, CommandSpec]) -> str | None:
    """The command name in a model's answer, if it is exactly one registered command."""
    cleaned = answer.strip().strip("`\"'.").lstrip("/").lower()
    if cleaned in commands:
        return cleaned
    words = set(re.findall(r"[a-z][a-z0-9_-]*", answer.lower()))
    named = [name for name in commands if name in words]
    return named[0] if len(named) == 1 else None


class IntentClassifier:
    """``await classifier(text, commands) -> command name | None``."""

    def __init__(self, model: ChatModel, *, timeout: float = 20.0) -> None:
        self.timeout = timeout
        self.chain = intent_chain(model, timeout=timeout)

    async def __call__(self, text: str, commands: Mapping[str, CommandSpec]) -> str | None:
        usage = UsageLog()
        try:
            answer = await self.chain.ask(intent_variables(_descriptions(commands), text), usage)
        except ModelError as error:  # the rule-based "not understood" answer is always safe
            log.warning("intent_fallback", reason=str(error))
            return None
        name = pick(answer, commands)
        log.info(
            "intent_classified",
            command=name,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
        )
        return name


def classifier_for(settings: Settings, model: ChatModel | None = None) -> IntentClassifier | None:
    """An intent classifier when a model is configured and loads; None keeps rules only."""
    if not settings.llm:
        return None
    model = model or load_chat_model(settings.llm)
    return IntentClassifier(model, timeout=settings.llm_timeout) if model is not None else None
