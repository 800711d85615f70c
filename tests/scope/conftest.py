"""Scope fixtures: a bot whose store holds the demo portfolio, and a store that is down."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core import Bot
from knowledge.store import KnowledgeUnavailable, ProjectStore
from tests.conftest import Harness


@pytest.fixture
async def scope_harness(bot: Bot, demo_store: ProjectStore) -> Harness:
    """The console harness on tenant "local", with the demo portfolio in a real store."""
    return Harness(bot)


class UnavailableStore:
    """A store whose server is down: every call fails the way the real one reports it."""

    def __getattr__(self, name: str) -> Any:
        def fail(*_args: Any, **_kwargs: Any) -> Any:
            raise KnowledgeUnavailable(
                "I can't reach the Chroma server at http://127.0.0.1:9 (ConnectionError)"
            )

        return fail
