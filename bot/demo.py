"""`/projects demo load|remove`: try Atelier on the demo portfolio, then take every trace out.

Loading adds the 50 fictional past projects of :mod:`knowledge.demo` to a workspace. Removing
takes out exactly what the demo brought and what was made from it alone:

- the past projects with the demo's ids (also any of them taken out with `/projects remove`);
- `/scope` answers that cited a demo project (their buttons would point at nothing);
- saved estimates made from those answers, unless a real project was started from one: that
  estimate is the real project's history now, so it is kept, and the answer says so.

Real data is never touched: imported or closed projects have ids of their own, and active
projects, log entries and drafts don't come from the demo.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import delete, select

from bot.registry import SkillError
from bot.services import Services
from bot.state import RemovedProject, SavedEstimate, ScopeRun
from knowledge.models import TRACKED

T = TypeVar("T")


@dataclass(frozen=True)
class DemoRemoval:
    projects: int
    scope_runs: int
    estimates: int
    estimates_kept: int


def demo_ids() -> frozenset[str]:
    from knowledge.demo import demo_projects

    return frozenset(p.id for p in demo_projects())


async def _in_thread(work: Callable[[], T]) -> T:
    """Store calls block; an unavailable store becomes a plain answer."""
    from knowledge.store import KnowledgeUnavailable

    try:
        return await asyncio.to_thread(work)
    except KnowledgeUnavailable as problem:
        raise SkillError(str(problem)) from None


async def load_demo(services: Services, tenant: str, anyway: bool = False) -> tuple[int, int]:
    """Add the demo projects; (added, the workspace's own projects alongside them).

    A workspace with history of its own gets the demo only when asked ``anyway``: demo
    projects would sway its estimates.
    """
    from knowledge.demo import demo_projects

    projects = demo_projects()
    ids = [p.id for p in projects]

    def work() -> tuple[int, int]:
        store = services.knowledge
        present = store.get_many(tenant, ids)
        own = store.count(tenant) - len(present)
        if len(present) == len(ids):
            return 0, own
        if own and not anyway:
            raise SkillError(
                f"This workspace already has {own} past project(s) of its own; demo projects "
                "would sway its estimates. `/projects demo load anyway` adds them all the "
                "same (and `/projects demo remove` takes them out again)."
            )
        return store.upsert(tenant, projects), own

    return await _in_thread(work)


async def remove_demo(services: Services, tenant: str) -> DemoRemoval:
    """Take the demo and everything made only from it out of ``tenant``."""
    ids = demo_ids()

    def drop_projects() -> int:
        store = services.knowledge
        found = store.get_many(tenant, sorted(ids))
        removed = 0
        for project_id, project in found.items():
            if project.origin == TRACKED:
                continue  # closed in Atelier: real hours, whatever its id
            removed += bool(store.delete(tenant, project_id))
        return removed

    projects: int = await _in_thread(drop_projects)
    async with services.db.transaction() as session:
        removed_rows = await session.execute(
            delete(RemovedProject).where(
                RemovedProject.tenant == tenant, RemovedProject.id.in_(sorted(ids))
            )
        )
        runs = list(
            (await session.execute(select(ScopeRun).where(ScopeRun.tenant == tenant))).scalars()
        )
        demo_runs = [run for run in runs if set(run.analogue_ids or ()) & ids]
        for run in demo_runs:
            await session.delete(run)
        estimates = list(
            (
                await session.execute(select(SavedEstimate).where(SavedEstimate.tenant == tenant))
            ).scalars()
        )
        from_demo = [e for e in estimates if set(e.analogue_ids or ()) & ids]
        kept = [e for e in from_demo if e.project_id]
        for estimate in from_demo:
            if not estimate.project_id:
                await session.delete(estimate)
    return DemoRemoval(
        projects=projects + int(removed_rows.rowcount or 0),  # type: ignore[attr-defined]
        scope_runs=len(demo_runs),
        estimates=len(from_demo) - len(kept),
        estimates_kept=len(kept),
    )


__all__ = ["DemoRemoval", "demo_ids", "load_demo", "remove_demo"]
