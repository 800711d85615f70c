"""The chat model ``ATELIER_LLM`` names, loaded with langchain's ``init_chat_model``.

A model that can't load (its provider package is missing, the name is unknown, no API key)
is one clear warning, once per process and name, and ``None``: the caller then works without
a model. API keys come from the providers' usual environment variables (``OPENAI_API_KEY``,
``ANTHROPIC_API_KEY``…), read by the provider package, never by Atelier.
"""

from __future__ import annotations

from typing import TypeAlias

import structlog
from langchain_core.language_models import BaseChatModel

ChatModel: TypeAlias = BaseChatModel

log = structlog.stdlib.get_logger(__name__)

_EXTRAS = {"openai": "openai", "anthropic": "anthropic", "ollama": "ollama"}
_warned: set[str] = set()  # one warning per process for a model that can't be loaded


def _warn_once(spec: str, message: str) -> None:
    if spec not in _warned:
        _warned.add(spec)
        log.warning("llm_unavailable", llm=spec, reason=message)


def load_chat_model(spec: str) -> ChatModel | None:
    """The chat model ``spec`` (``provider:model``) names, or None with one clear warning."""
    from langchain.chat_models import init_chat_model

    provider = spec.partition(":")[0].strip().lower() if ":" in spec else ""
    try:
        return init_chat_model(spec.strip())
    except ImportError:
        extra = _EXTRAS.get(provider)
        hint = f"pip install 'atelier-bot[{extra}]'" if extra else "install its langchain package"
        _warn_once(
            spec,
            f"ATELIER_LLM={spec} needs the langchain-{provider or '<provider>'} package "
            f"({hint}); using the offline composer",
        )
    except Exception as error:  # unknown provider, missing API key…
        first_line = str(error).splitlines()[0][:200] if str(error) else ""
        _warn_once(
            spec,
            f"ATELIER_LLM={spec} could not be loaded ({type(error).__name__}: {first_line}); "
            "using the offline composer",
        )
    return None
