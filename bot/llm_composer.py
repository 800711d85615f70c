"""An optional language model that re-phrases the offline draft, and may never add to it.

``ATELIER_LLM`` names a langchain chat model (``openai:gpt-4o-mini``, ``anthropic:claude-…``,
``ollama:llama3.1``); :mod:`language` loads it and asks it (structured output where the provider
supports it, plain text otherwise). The model has no tools, so nothing it reads can make it post
anywhere; posting stays a human button.

Every answer goes through :mod:`bot.grounding`: mentions are neutralised, and a number, date,
amount, link, channel or name the facts and the draft cannot account for sends the offline
draft instead. So does any line the leak rules of :mod:`bot.leaks` withhold from a client (an
invented ``internal:`` sentence, a rate, a margin, another client's name), exactly as they
would for a line the user wrote; and so do a timeout and any provider error. The user never
waits on a dead provider and never gets an invented figure. The log says why, never the text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.compose import Composer, Composition, OfflineComposer
from bot.grounding import Claim, Evidence, dropped, parse, strip_mentions, untraceable
from bot.leaks import LeakFilter
from bot.logs import get_logger
from language import ModelError, UsageLog, load_chat_model, rephrase_chain, rephrase_variables

if TYPE_CHECKING:
    from bot.config import Settings
    from language import ChatModel

log = get_logger(__name__)


# --- client names out of the prompt -------------------------------------------------------

_CLIENT_KEYS = frozenset({"client", "client_name", "customer"})


def client_names(facts: Mapping[str, Any]) -> list[str]:
    """Values of ``client``-like keys anywhere in the facts, longest first."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if str(key).lower() in _CLIENT_KEYS and isinstance(item, str) and item.strip():
                    found.add(item.strip())
                else:
                    walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(facts)
    return sorted(found, key=len, reverse=True)


def _placeholder(index: int) -> str:
    # Letters only, so that the grounding check never reads a placeholder as a number.
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"CLIENT_{letters}"


class ClientMask:
    """Replaces client names with placeholders before the call and restores them after."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = {_placeholder(i): name for i, name in enumerate(names)}
        self._patterns = [
            (re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE), placeholder)
            for placeholder, name in self.names.items()
        ]

    def hide(self, value: Any) -> Any:
        if isinstance(value, str):
            for pattern, placeholder in self._patterns:
                value = pattern.sub(placeholder, value)
            return value
        if isinstance(value, Mapping):
            return {key: self.hide(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.hide(item) for item in value]
        return value

    def restore(self, text: str) -> str:
        for placeholder, name in self.names.items():
            text = re.sub(rf"\b{placeholder}\b", name, text)
        return text


def _tenants(facts: Mapping[str, Any]) -> set[str]:
    """Every ``tenant`` value anywhere in the facts (one walk, one set)."""
    found: set[str] = set()
    pending = [facts]
    while pending:
        value = pending.pop()
        if isinstance(value, Mapping):
            for key, item in value.items():
                if key == "tenant" and isinstance(item, str):
                    found.add(item)
                else:
                    pending.append(item)
        elif isinstance(value, list | tuple):
            pending.extend(value)
    return found


def _shown(claims: Sequence[Claim]) -> str:
    """A few claims for the log line, short enough not to copy the message into the log."""
    return ", ".join(f"{claim.kind} {claim.text[:40]!r}" for claim in claims[:5])


def _leaks(text: str, composition: Composition) -> str:
    """The lines of ``text`` the leak rules withhold from a client, as "internal (line 3)"."""
    own = [*client_names(composition.facts)]
    project = composition.facts.get("project") if isinstance(composition.facts, Mapping) else None
    if isinstance(project, str):
        own.append(project)
    found = LeakFilter(composition.withheld_names, own).leaks(text)
    return ", ".join(f"{reason} (line {line})" for line, reason in found[:5])


class Fallback(Exception):
    """Why the model's answer is not used (logged; the user gets the offline draft)."""


class LLMComposer:
    """Composer backed by a langchain chat model, grounded, with the offline draft as fallback."""

    def __init__(
        self,
        model: ChatModel,
        *,
        timeout: float = 20.0,
        exclude_client_names: bool = False,
        fallback: Composer | None = None,
        model_name: str = "",
    ) -> None:
        self.model = model
        self.timeout = timeout
        self.exclude_client_names = exclude_client_names
        self.fallback = fallback or OfflineComposer()
        self.model_name = model_name or type(model).__name__
        self.chain = rephrase_chain(model, timeout=timeout)

    async def compose(self, composition: Composition) -> str:
        draft = await self.fallback.compose(composition)
        try:
            text = await self._compose(composition)
        except Fallback as reason:
            log.warning(
                "llm_fallback",
                kind=composition.kind,
                tenant=composition.tenant,
                reason=str(reason),
                model=self.model_name,
            )
            return draft
        log.info("llm_composed", kind=composition.kind, tenant=composition.tenant)
        return text

    async def _compose(self, composition: Composition) -> str:
        others = _tenants(composition.facts) - {composition.tenant}
        if others:
            # Facts of another workspace must never reach a prompt: refuse before any call.
            raise Fallback("facts carry another tenant's data")
        mask = ClientMask(client_names(composition.facts) if self.exclude_client_names else [])
        facts = mask.hide(dict(composition.facts))
        draft = mask.hide(composition.draft)
        try:
            facts_json = json.dumps(facts, ensure_ascii=False, sort_keys=True, default=str)
        except (TypeError, ValueError) as error:
            raise Fallback(f"facts are not JSON: {error}") from None
        variables = rephrase_variables(
            kind=composition.kind, tone=composition.tone, facts_json=facts_json, draft=draft
        )
        usage = UsageLog()
        try:
            raw = await self.chain.ask(variables, usage)
        except ModelError as error:
            raise Fallback(str(error)) from None
        finally:
            log.info(
                "llm_usage",
                kind=composition.kind,
                tenant=composition.tenant,
                model=self.model_name,
                calls=usage.calls,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
            )
        text = strip_mentions(raw).strip()
        if not text:
            raise Fallback("empty answer")
        if len(text) > 2 * len(draft) + 400:
            raise Fallback(f"answer is {len(text)} characters for a {len(draft)}-character draft")
        evidence = Evidence(facts, draft)
        parsed = parse(text)  # read once for both checks below
        problems = untraceable(text, evidence, parsed)
        if problems:
            raise Fallback(f"untraceable: {_shown(problems)}")
        lost = dropped(text, draft, parsed_output=parsed, evidence=evidence)
        if lost:
            # An answer that loses the draft's figures is not a re-phrasing (or it obeyed
            # something in the data instead of writing the message).
            raise Fallback(f"dropped from the draft: {_shown(lost)}")
        restored = mask.restore(text)
        if composition.audience == "client" and (leaks := _leaks(restored, composition)):
            raise Fallback(f"leaks: {leaks}")
        return restored


# --- building from settings ---------------------------------------------------------------


def composer_for(settings: Settings, model: ChatModel | None = None) -> Composer:
    """The composer the settings ask for: the LLM one when a model loads, else the offline one."""
    if not settings.llm:
        return OfflineComposer()
    model = model or load_chat_model(settings.llm)
    if model is None:
        return OfflineComposer()
    return LLMComposer(
        model,
        timeout=settings.llm_timeout,
        exclude_client_names=settings.llm_exclude_client_names,
        model_name=settings.llm,
    )
