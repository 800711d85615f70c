"""Past projects: model, offline embeddings, the Chroma store and importers.

Knows nothing of chat: the bot reaches it through :class:`knowledge.store.ProjectStore`.
The names below load on first use, so that a light module of this package (the currency
list, the project model) can be imported without starting the vector store's imports.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knowledge.models import PastProject
    from knowledge.store import KnowledgeUnavailable, Match, ModelMismatch, ProjectStore

__all__ = ["KnowledgeUnavailable", "Match", "ModelMismatch", "PastProject", "ProjectStore"]

_HOMES = {
    "PastProject": "knowledge.models",
    "KnowledgeUnavailable": "knowledge.store",
    "Match": "knowledge.store",
    "ModelMismatch": "knowledge.store",
    "ProjectStore": "knowledge.store",
}


def __getattr__(name: str) -> object:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'knowledge' has no attribute {name!r}")
