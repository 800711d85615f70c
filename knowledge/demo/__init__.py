"""The demo portfolio: 50 fictional past projects of a small studio, for a first run.

Estimates, actuals (most overran by a fifth to a half, a few came in under), phase splits that
add up to the actual hours, and retro lessons, so scoping has something real-looking to chew on.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from knowledge.models import PastProject
from knowledge.port import KnowledgeStore


@cache
def _raw() -> tuple[dict[str, object], ...]:
    text = resources.files(__package__).joinpath("portfolio.json").read_text(encoding="utf-8")
    return tuple(json.loads(text))


def demo_projects() -> list[PastProject]:
    """The demo projects, freshly validated (callers may mutate them)."""
    return [PastProject.model_validate(item) for item in _raw()]


def load_demo_portfolio(store: KnowledgeStore, tenant: str) -> int:
    """Load the demo into an empty tenant; returns how many were added (0 if it had data)."""
    if store.count(tenant) > 0:
        return 0
    return store.upsert(tenant, demo_projects())


__all__ = ["demo_projects", "load_demo_portfolio"]
