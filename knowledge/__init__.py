"""Past projects: model, offline embeddings, the Chroma store and importers.

Knows nothing of chat: the bot reaches it through :class:`knowledge.store.ProjectStore`.
"""

from knowledge.models import PastProject
from knowledge.store import KnowledgeUnavailable, Match, ModelMismatch, ProjectStore

__all__ = ["KnowledgeUnavailable", "Match", "ModelMismatch", "PastProject", "ProjectStore"]
