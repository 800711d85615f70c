"""The leak rules for one project's client, with the facts only the studio's records hold.

:class:`bot.leaks.LeakFilter` needs to know which names a client must never read: every other
client of the tenant, from its projects in progress and closed (SQL) and from its past projects
(the knowledge store). The project's own name, aliases and client are allowed. The names are
used only to check text; they are never put in a prompt.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import select

from bot.leaks import LeakFilter
from bot.logs import get_logger
from bot.scoping.history import HistoryCache
from bot.services import Services
from knowledge.port import KnowledgeStore
from state import ActiveProject, ProjectAlias

log = get_logger(__name__)


@dataclass(frozen=True)
class ClientGuard:
    """The filter for text bound for one project's client, and what the studio should know."""

    filter: LeakFilter
    other_clients: tuple[str, ...]
    own_names: tuple[str, ...]
    notes: tuple[str, ...] = ()  # e.g. that past projects' clients could not be checked


async def _sql_names(
    services: Services, tenant: str, project_id: str | None
) -> tuple[list[str], list[str]]:
    """Other projects' clients, and this project's aliases (none without a project)."""
    async with services.db.sessions() as session:
        query = select(ActiveProject.client).where(
            ActiveProject.tenant == tenant, ActiveProject.client.is_not(None)
        )
        if project_id is not None:
            query = query.where(ActiveProject.id != project_id)
        clients = await session.execute(query.distinct())
        if project_id is None:
            return [c for c in clients.scalars() if c], []
        aliases = await session.execute(
            select(ProjectAlias.alias).where(
                ProjectAlias.tenant == tenant, ProjectAlias.project_id == project_id
            )
        )
        return [c for c in clients.scalars() if c], list(aliases.scalars())


def _past_clients(store: KnowledgeStore, tenant: str, histories: HistoryCache) -> list[str]:
    history = histories.history(store, tenant)  # cached between calls
    return sorted({p.client for p in history.closed if getattr(p, "client", None)})


async def _knowledge_names(services: Services, tenant: str) -> tuple[list[str], str | None]:
    if services.knowledge_factory is None and services._knowledge is None:
        return [], None
    try:
        store = await services.open_knowledge()
        return await asyncio.to_thread(_past_clients, store, tenant, services.histories), None
    except Exception as problem:  # the store down must not stop an update; say so instead
        log.warning("client_names_unavailable", tenant=tenant, error=type(problem).__name__)
        return [], (
            "Past projects' client names could not be checked (the knowledge store is "
            "unavailable): read the draft for other clients' names before approving it."
        )


async def client_guard(services: Services, project: ActiveProject) -> ClientGuard:
    """The leak rules for text bound for ``project``'s client."""
    return await document_guard(
        services,
        project.tenant,
        own_names=(project.name, project.client or ""),
        project_id=project.id,
    )


async def document_guard(
    services: Services,
    tenant: str,
    *,
    own_names: tuple[str, ...] = (),
    project_id: str | None = None,
    withheld: tuple[str, ...] = (),
) -> ClientGuard:
    """The leak rules for any client document of ``tenant``.

    ``own_names`` may be used freely (the document's project and client); ``project_id`` is the
    project it is about, if any (its own client and aliases are allowed); ``withheld`` are more
    names the client must never read, e.g. the titles of the past projects a proposal's
    estimate rests on. Every other client of the tenant is withheld as well.
    """
    sql_clients, aliases = await _sql_names(services, tenant, project_id)
    past_clients, problem = await _knowledge_names(services, tenant)
    own = tuple(name for name in (*own_names, *aliases) if name)
    others = tuple(dict.fromkeys([*sql_clients, *past_clients, *(n for n in withheld if n)]))
    return ClientGuard(
        filter=LeakFilter(others, own),
        other_clients=others,
        own_names=own,
        notes=(problem,) if problem else (),
    )


__all__ = ["ClientGuard", "client_guard", "document_guard"]
