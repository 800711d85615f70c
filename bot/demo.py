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

from sqlalchemy import select

from bot.errors import Conflict, Unavailable
from bot.services import Services
from knowledge.models import TRACKED, PastProject
from state import RemovedProject, SavedEstimate, ScopeRun

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


def is_demo(found: PastProject) -> bool:
    """True when a stored project is the demo's own: its id *and* what it is. A studio may
    number its projects ``demo-001`` too; such a project is real data, never the demo's."""
    from knowledge.demo import demo_projects

    if found.origin == TRACKED:
        return False  # closed in Atelier: real hours, whatever its id
    demo = {p.id: p for p in demo_projects()}.get(found.id)
    return demo is not None and (demo.title, demo.client) == (found.title, found.client)


async def _in_thread(work: Callable[[], T]) -> T:
    """Store calls block; an unavailable store becomes a plain answer."""
    from knowledge.store import KnowledgeUnavailable

    try:
        return await asyncio.to_thread(work)
    except KnowledgeUnavailable as problem:
        raise Unavailable(str(problem)) from None


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
        found = store.get_many(tenant, ids)
        present = {i for i, p in found.items() if is_demo(p)}
        own = store.count(tenant) - len(present)
        missing = [p for p in projects if p.id not in found]  # a real one keeps its id
        if not missing:
            return 0, own
        if own and not anyway:
            raise Conflict(
                f"This workspace already has {own} past project(s) of its own; demo projects "
                "would sway its estimates. `/projects demo load anyway` adds them all the "
                "same (and `/projects demo remove` takes them out again)."
            )
        return store.upsert(tenant, missing), own

    return await _in_thread(work)


async def remove_demo(services: Services, tenant: str) -> DemoRemoval:
    """Take the demo and everything made only from it out of ``tenant``."""
    ids = demo_ids()

    def drop_projects() -> tuple[int, set[str]]:
        store = services.knowledge
        found = store.get_many(tenant, sorted(ids))
        removed = 0
        real: set[str] = set()
        for project_id, project in found.items():
            if is_demo(project):
                removed += bool(store.delete(tenant, project_id))
            else:
                real.add(project_id)
        return removed, real

    projects, real = await _in_thread(drop_projects)
    async with services.db.transaction() as session:
        set_aside = (
            await session.execute(
                select(RemovedProject).where(
                    RemovedProject.tenant == tenant, RemovedProject.id.in_(sorted(ids))
                )
            )
        ).scalars()
        for row in list(set_aside):
            if is_demo(PastProject.model_validate_json(row.project)):
                await session.delete(row)
                projects += 1
            else:
                real.add(row.id)
        ids = ids - real  # answers citing a real project with a demo-like id are kept
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
        projects=projects,
        scope_runs=len(demo_runs),
        estimates=len(from_demo) - len(kept),
        estimates_kept=len(kept),
    )


__all__ = ["DemoRemoval", "demo_ids", "load_demo", "remove_demo"]
