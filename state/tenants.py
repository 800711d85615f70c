"""What forgetting a tenant means: every row of it, in every table with a ``tenant`` column.

Uninstalling the app removes its installation rows (the tokens); the tenant's own data
(projects, logs, drafts) stays until an admin runs :func:`forget_tenant` (``atelier slack
forget``).
"""

from __future__ import annotations

from sqlalchemy import delete, inspect
from sqlalchemy.orm import Session

from state.database import Database
from state.schema import Base, affected_rows

# Tables whose rows are not one tenant's data.
_NOT_TENANT_DATA = frozenset({"oauth_states", "seen_events"})


async def forget_tenant(database: Database, tenant: str) -> dict[str, int]:
    """Delete every row of ``tenant`` in every table that has a ``tenant`` column (its
    installs included); returns how many rows went per table. The past projects in the
    knowledge store are the caller's to delete (they live outside this database)."""
    removed: dict[str, int] = {}
    async with database.transaction() as session:
        names = await session.run_sync(_tables_with_tenant)
        for name in names:
            table = Base.metadata.tables[name]
            result = await session.execute(delete(table).where(table.c.tenant == tenant))
            if count := affected_rows(result):
                removed[name] = count
    return removed


def _tables_with_tenant(session: Session) -> list[str]:
    """Tables (children first, so foreign keys never block) that hold a tenant column and
    exist in the database."""
    present = set(inspect(session.connection()).get_table_names())
    ordered = reversed(Base.metadata.sorted_tables)
    return [
        table.name
        for table in ordered
        if table.name in present and table.name not in _NOT_TENANT_DATA and "tenant" in table.c
    ]
