"""Language models: prompts, chains and model loading, with plain text in and text out.

This package is the only place that talks to langchain. It knows nothing of chat, skills or
persistence: it asks a chat model a question through a prompt and hands back the answer as
text. Whoever asked decides whether that answer may be used (the core checks every figure
and name against its facts and applies the leak rules before anything reaches a person).

- :mod:`language.prompts` the prompts and the quoting of data inside them (no langchain)
- :mod:`language.chains` :class:`PromptChain`: structured output first, plain text after,
  under a timeout; :class:`ModelError` says why there is no answer
- :mod:`language.rephrase` the chain that re-phrases a draft message
- :mod:`language.intent` the chain that picks a command for a free-text message
- :mod:`language.usage` :class:`UsageLog`, the token usage of the calls of one question
- :mod:`language.models` :func:`load_chat_model` (``init_chat_model`` behind ``ATELIER_LLM``)

Importing this package loads no langchain: a process without ``ATELIER_LLM`` never pays for
it. The names below are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from language.chains import ModelError, PromptChain
    from language.intent import intent_chain, intent_variables
    from language.models import ChatModel, load_chat_model
    from language.prompts import quote
    from language.rephrase import rephrase_chain, rephrase_prompt, rephrase_variables
    from language.usage import UsageLog

__all__ = [
    "ChatModel",
    "ModelError",
    "PromptChain",
    "UsageLog",
    "intent_chain",
    "intent_variables",
    "load_chat_model",
    "quote",
    "rephrase_chain",
    "rephrase_prompt",
    "rephrase_variables",
]

_HOMES = {
    "ChatModel": "language.models",
    "ModelError": "language.chains",
    "PromptChain": "language.chains",
    "UsageLog": "language.usage",
    "intent_chain": "language.intent",
    "intent_variables": "language.intent",
    "load_chat_model": "language.models",
    "quote": "language.prompts",
    "rephrase_chain": "language.rephrase",
    "rephrase_prompt": "language.rephrase",
    "rephrase_variables": "language.rephrase",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'language' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
