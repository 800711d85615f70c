"""feature row times: when each feature row last changed, and how far tombstones were purged

Revision ID: 0011
Down revision: 0010
Create Date: 2026-12-03 13:30:00

- ``project_features.changed_at``: when the row was last written or tombstoned, so that
  retention can purge the tombstones of projects removed long ago. Rows already there are
  stamped with the time of the upgrade (their age starts now).
- ``project_feature_revisions.purged_through``: the highest revision whose tombstones have been
  purged (0: none). A reader that last read below it can no longer learn those removals from
  tombstones, so it reads the tenant's rows in full once.
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    if "changed_at" not in _columns("project_features"):
        with op.batch_alter_table("project_features", schema=None) as batch_op:
            batch_op.add_column(sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))
        rows = sa.table("project_features", sa.column("changed_at", sa.DateTime(timezone=True)))
        op.execute(rows.update().values(changed_at=dt.datetime.now(dt.UTC)))
    if "purged_through" not in _columns("project_feature_revisions"):
        with op.batch_alter_table("project_feature_revisions", schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("purged_through", sa.Integer(), nullable=False, server_default="0")
            )


def downgrade() -> None:
    with op.batch_alter_table("project_feature_revisions", schema=None) as batch_op:
        batch_op.drop_column("purged_through")
    with op.batch_alter_table("project_features", schema=None) as batch_op:
        batch_op.drop_column("changed_at")
