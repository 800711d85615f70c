"""Fake chat models for the composer tests: scripted, structured, hanging, failing, recording."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field


def scripted(*answers: str | AIMessage) -> GenericFakeChatModel:
    """A model answering each call with the next scripted answer (plain text, no tools)."""
    return GenericFakeChatModel(messages=iter(answers))


class RecordingModel(BaseChatModel):
    """Answers with ``respond(prompt text)`` and keeps every prompt it was sent."""

    respond: Callable[[str], str] = Field(default=lambda prompt: "")
    prompts: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "recording-fake"

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        prompt = "\n".join(str(m.content) for m in messages)
        self.prompts.append(prompt)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(self.respond(prompt)))])


class ToolCallingModel(GenericFakeChatModel):
    """A fake that 'supports tools', so ``with_structured_output`` works as with OpenAI."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> ToolCallingModel:
        return self


def tool_answer(schema: str, **arguments: Any) -> AIMessage:
    return AIMessage(
        content="",
        tool_calls=[{"name": schema, "args": arguments, "id": "call-1", "type": "tool_call"}],
        usage_metadata={"input_tokens": 120, "output_tokens": 30, "total_tokens": 150},
    )


class HangingModel(BaseChatModel):
    """A provider that never answers (the call is cancelled by the composer's timeout)."""

    @property
    def _llm_type(self) -> str:
        return "hanging-fake"

    def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
        raise AssertionError("only the async path is used")

    async def _agenerate(self, *args: Any, **kwargs: Any) -> ChatResult:
        await asyncio.Event().wait()  # never set
        raise AssertionError("unreachable")


class FailingModel(BaseChatModel):
    """A provider whose every call fails (network down, bad key, rate limit…)."""

    @property
    def _llm_type(self) -> str:
        return "failing-fake"

    def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
        raise ConnectionError("provider unreachable")


def quoted_block(prompt: str, tag: str) -> Any:
    """The JSON data the composer quoted between ``<tag>`` and ``</tag>``."""
    found = re.search(rf"<{tag}>\n(.*?)\n</{tag}>", prompt, re.DOTALL)
    assert found, f"no <{tag}> block in the prompt"
    return json.loads(found.group(1))
