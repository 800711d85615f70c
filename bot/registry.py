"""What skills register: commands, free-text intents and action handlers."""

from __future__ import annotations

import importlib
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.errors import AtelierError
from bot.messages import Action, ConfirmDelivery, DeliveryOutcome, Reply, Request

if TYPE_CHECKING:
    from bot.services import Services

CommandHandler = Callable[[Request, "Services"], Awaitable[Reply]]
ActionHandler = Callable[[Action, "Services"], Awaitable[Reply]]
# What a skill does once the platform said what happened to a reply it asked to hear about.
DeliveryHandler = Callable[[ConfirmDelivery, DeliveryOutcome, "Services"], Awaitable[Reply | None]]


@dataclass(frozen=True)
class Command:
    """A slash command, e.g. ``/scope <brief>``."""

    name: str
    summary: str
    usage: str  # arguments after the command, e.g. "<brief>"
    examples: tuple[str, ...]
    handler: CommandHandler
    # Discord/Slack option descriptions: option name -> description (first option gets the text)
    option: tuple[str, str] | None = None


@dataclass(frozen=True)
class Intent:
    """Free text (a mention or a DM) that should run a command.

    ``pattern`` is matched case-insensitively against the text; ``text_group`` names the regex
    group passed on as the command's text (the whole message when absent).
    """

    command: str
    pattern: re.Pattern[str]
    priority: int = 50
    text_group: str | None = None

    def match(self, text: str) -> str | None:
        found = self.pattern.search(text)
        if not found:
            return None
        if self.text_group:
            return (found.group(self.text_group) or "").strip()
        return text.strip()


class SkillError(AtelierError):
    """A skill's own refusal, told to the user plainly (bad arguments, unknown id…); not a crash.

    Domain code below the skills raises the other ``AtelierError`` kinds; the core answers all
    of them the same way (``Bot`` turns the message into a refusal reply).
    """


class SkillRegistry:
    def __init__(self) -> None:
        self.commands: dict[str, Command] = {}
        self.intents: list[Intent] = []
        self.actions: dict[str, ActionHandler] = {}
        self.deliveries: dict[str, DeliveryHandler] = {}
        self.loaded: list[str] = []

    def command(self, command: Command) -> None:
        if command.name in self.commands:
            raise ValueError(f"command /{command.name} is registered twice")
        self.commands[command.name] = command

    def intent(
        self, command: str, pattern: str, priority: int = 50, text_group: str | None = None
    ) -> None:
        self.intents.append(
            Intent(command, re.compile(pattern, re.IGNORECASE | re.DOTALL), priority, text_group)
        )
        self.intents.sort(key=lambda i: -i.priority)

    def action(self, prefix: str, handler: ActionHandler) -> None:
        """Handle every action id of the form ``prefix:…``."""
        if prefix in self.actions:
            raise ValueError(f"action prefix {prefix!r} is registered twice")
        self.actions[prefix] = handler

    def delivery(self, prefix: str, handler: DeliveryHandler) -> None:
        """Handle the delivery outcome of every reply whose ``confirm.key`` is ``prefix:…``."""
        if prefix in self.deliveries:
            raise ValueError(f"delivery prefix {prefix!r} is registered twice")
        self.deliveries[prefix] = handler

    def load(self, module_names: Sequence[str]) -> None:
        for name in module_names:
            module = importlib.import_module(name)
            setup = getattr(module, "setup", None)
            if setup is None:
                raise ImportError(f"skill module {name} has no setup(registry)")
            setup(self)
            self.loaded.append(name)


@dataclass
class ActionId:
    """``prefix:verb`` parsed from an action id."""

    prefix: str
    verb: str = ""
    rest: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, action_id: str) -> ActionId:
        prefix, _, tail = action_id.partition(":")
        verb, _, more = tail.partition(":")
        return cls(prefix, verb, more.split(":") if more else [])
