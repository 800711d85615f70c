"""digests: the weekly schedule of each workspace and the lease of each slot

Revision ID: 0004
Down revision: 0003
Create Date: 2026-12-03 09:00:00

- ``digest_schedules``: day, time and time zone of a workspace's weekly digest (off by
  default), the platform that delivers it and who turned it on.
- ``digest_runs``: one row per workspace and slot, claimed by the replica that runs it (the
  primary key makes the claim atomic), with a lease for taking over a run whose replica died,
  and what each recipient's DM became.

Tables are only created when missing: a database built by ``create_all`` with these models and
adopted already has them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    tables = set(sa.inspect(op.get_bind()).get_table_names())
    if "digest_schedules" not in tables:
        op.create_table(
            "digest_schedules",
            sa.Column("tenant", sa.String(length=64), nullable=False),
            sa.Column("enabled", sa.Boolean(), nullable=False),
            sa.Column("weekday", sa.Integer(), nullable=False),
            sa.Column("hour", sa.Integer(), nullable=False),
            sa.Column("minute", sa.Integer(), nullable=False),
            sa.Column("timezone", sa.String(length=64), nullable=False),
            sa.Column("platform", sa.String(length=16), nullable=False),
            sa.Column("set_by", sa.String(length=64), nullable=False),
            sa.Column("enabled_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("tenant"),
        )
    if "digest_runs" not in tables:
        op.create_table(
            "digest_runs",
            sa.Column("tenant", sa.String(length=64), nullable=False),
            sa.Column("slot", sa.String(length=32), nullable=False),
            sa.Column("claimed_by", sa.String(length=64), nullable=False),
            sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
            sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("late", sa.Boolean(), nullable=False),
            sa.Column("outcomes", sa.JSON(), nullable=False),
            sa.Column("note", sa.String(length=300), nullable=True),
            sa.PrimaryKeyConstraint("tenant", "slot"),
        )


def downgrade() -> None:
    op.drop_table("digest_runs")
    op.drop_table("digest_schedules")
