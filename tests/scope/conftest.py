"""Scope fixtures: the demo portfolio in a real store (built once), bots that use it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.core import Bot
from knowledge.demo import load_demo_portfolio
from knowledge.store import KnowledgeUnavailable, ProjectStore
from tests.conftest import Harness


@pytest.fixture(scope="session")
def portfolio_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProjectStore]:
    """A real embedded store with the demo portfolio for tenant "local" (read-only in tests)."""
    store = ProjectStore.open(tmp_path_factory.mktemp("scope-knowledge"))
    load_demo_portfolio(store, "local")
    yield store
    store.close()


@pytest.fixture
async def scope_harness(bot: Bot, portfolio_store: ProjectStore) -> Harness:
    bot.services.set_knowledge(portfolio_store)
    return Harness(bot)


class UnavailableStore:
    """A store whose server is down: every call fails the way the real one reports it."""

    def __getattr__(self, name: str) -> Any:
        def fail(*_args: Any, **_kwargs: Any) -> Any:
            raise KnowledgeUnavailable(
                "I can't reach the Chroma server at http://127.0.0.1:9 (ConnectionError)"
            )

        return fail
