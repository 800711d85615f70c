"""The chain that picks, for a free-text message, one command name from a list (or "none").

The answer is text: checking that it names a real command is the caller's job.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from pydantic import BaseModel, Field

from language.chains import PromptChain, build_prompt
from language.models import ChatModel
from language.prompts import INTENT_HUMAN, INTENT_SYSTEM, quote

MAX_MESSAGE = 2_000  # characters of the message sent to the model


class CommandChoice(BaseModel):
    """The command a message asks for."""

    command: str = Field(description='one command name from the list, or "none"')


def intent_chain(model: ChatModel, *, timeout: float = 20.0) -> PromptChain:
    return PromptChain(
        model, build_prompt(INTENT_SYSTEM, INTENT_HUMAN), CommandChoice, "command", timeout=timeout
    )


def intent_variables(commands: Mapping[str, str], message: str) -> dict[str, str]:
    """The prompt's variables: one ``- name: description`` line per command, the message quoted."""
    catalogue = "\n".join(f"- {name}: {description}" for name, description in commands.items())
    return {
        "commands": catalogue,
        "message": quote(json.dumps(message[:MAX_MESSAGE], ensure_ascii=False), "message"),
    }
