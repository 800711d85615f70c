"""The chain that re-phrases a draft message from its facts, in a tone.

The draft is already a correct message: the model may only improve its wording. Whether its
answer may be used is for the caller to decide (the core's grounding and leak checks).
"""

from __future__ import annotations

import json

from langchain_core.prompts import ChatPromptTemplate
from pydantic import BaseModel, Field

from language.chains import PromptChain, build_prompt
from language.models import ChatModel
from language.prompts import REPHRASE_HUMAN, REPHRASE_SYSTEM, label, quote


class ComposedText(BaseModel):
    """The polished message."""

    text: str = Field(description="the finished message, ready for a person to review")


def rephrase_prompt() -> ChatPromptTemplate:
    return build_prompt(REPHRASE_SYSTEM, REPHRASE_HUMAN)


def rephrase_chain(model: ChatModel, *, timeout: float = 20.0) -> PromptChain:
    return PromptChain(model, rephrase_prompt(), ComposedText, "text", timeout=timeout)


def rephrase_variables(*, kind: str, tone: str, facts_json: str, draft: str) -> dict[str, str]:
    """The prompt's variables: the kind and tone as bare words, the facts and draft quoted."""
    return {
        "kind": label(kind, "message"),
        "tone": label(tone, "friendly"),
        "facts": quote(facts_json, "facts"),
        "draft": quote(json.dumps(draft, ensure_ascii=False), "draft"),
    }
