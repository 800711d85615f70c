"""One question to a chat model: structured output first, plain text after, under a timeout.

A chain is ``prompt | model | parser``. Where the provider supports it, the model answers in
a one-field pydantic schema (``with_structured_output``); otherwise, or when that call fails at
run time (a model that declares tool calling but answers in prose), the same prompt is asked
for plain text. The model gets no tools, so nothing it reads can make it act.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel

from language.usage import UsageLog


class ModelError(Exception):
    """Why a question got no answer: a timeout, or every chain failed (the message says which)."""


def build_prompt(system: str, human: str) -> ChatPromptTemplate:
    return ChatPromptTemplate.from_messages([("system", system), ("human", human)])


def _structured(model: BaseChatModel, schema: type[BaseModel]) -> Runnable[Any, Any] | None:
    """``model.with_structured_output(schema)``, or None when the provider can't do it."""
    try:
        return model.with_structured_output(schema)
    except Exception:  # NotImplementedError for most models without tool calling
        return None


def _field_reader(schema: type[BaseModel], name: str) -> RunnableLambda[Any, str]:
    def read(result: Any) -> str:
        if result is None:
            # The model answered in prose instead of the schema: the plain-text chain retries.
            raise ValueError("no structured answer")
        if isinstance(result, schema):
            return str(getattr(result, name))
        if isinstance(result, Mapping):
            return str(result.get(name, ""))
        return str(result)

    return RunnableLambda(read)


def build_chains(
    prompt: ChatPromptTemplate, model: BaseChatModel, schema: type[BaseModel], field: str
) -> list[Runnable[dict[str, str], str]]:
    """The chains to try, best first: ``schema.field`` as structured output, then plain text."""
    chains: list[Runnable[dict[str, str], str]] = []
    structured = _structured(model, schema)
    if structured is not None:
        chains.append(prompt | structured | _field_reader(schema, field))
    chains.append(prompt | model | StrOutputParser())
    return chains


class PromptChain:
    """``await chain.ask(variables, usage) -> text``; raises :class:`ModelError` with the reason."""

    def __init__(
        self,
        model: BaseChatModel,
        prompt: ChatPromptTemplate,
        schema: type[BaseModel],
        field: str,
        *,
        timeout: float = 20.0,
    ) -> None:
        self.model = model
        self.prompt = prompt
        self.timeout = timeout
        self.chains = build_chains(prompt, model, schema, field)

    async def ask(self, variables: Mapping[str, str], usage: UsageLog | None = None) -> str:
        try:
            # asyncio.timeout runs the call in this task (wait_for would start another one).
            async with asyncio.timeout(self.timeout):
                return await self._first_answer(dict(variables), usage or UsageLog())
        except TimeoutError:
            raise ModelError(f"no answer within {self.timeout:g}s") from None

    async def _first_answer(self, variables: dict[str, str], usage: UsageLog) -> str:
        errors: list[str] = []
        chains = self.chains
        for index, chain in enumerate(chains):
            try:
                result = await chain.ainvoke(variables, config={"callbacks": [usage]})
            except Exception as error:  # any provider failure: try the next chain
                errors.append(f"{type(error).__name__}: {str(error)[:200]}")
                continue
            if index:
                # Structured output failed where plain text works: stop paying for the
                # failing call.
                self.chains = chains[index:]
            return result
        raise ModelError("model error: " + "; ".join(errors))
