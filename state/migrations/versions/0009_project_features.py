"""project features: what the estimator reads of each past project, beside the store

Revision ID: 0009
Down revision: 0008
Create Date: 2026-12-03 12:30:00

- ``project_features``: one row per past project of a tenant (hours, estimate, type, tags,
  dates, status, client, the text lexical retrieval reads, phases and lessons as JSON), each
  stamped with the tenant's revision at its last write; a removal leaves a tombstone.
- ``project_feature_revisions``: each tenant's revision counter.

Empty after the upgrade: the first read of a tenant finds fewer rows than its store holds and
builds them from the store once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "project_features" not in present:
        op.create_table(
            "project_features",
            sa.Column("tenant", sa.String(length=64), nullable=False),
            sa.Column("project_id", sa.String(length=64), nullable=False),
            sa.Column("revision", sa.Integer(), nullable=False),
            sa.Column("removed", sa.Boolean(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("type", sa.String(length=60), nullable=False),
            sa.Column("tags", sa.Text(), nullable=False),
            sa.Column("title", sa.String(length=200), nullable=False),
            sa.Column("summary", sa.Text(), nullable=False),
            sa.Column("client", sa.String(length=200), nullable=True),
            sa.Column("estimated_hours", sa.Float(), nullable=True),
            sa.Column("actual_hours", sa.Float(), nullable=True),
            sa.Column("started", sa.Date(), nullable=True),
            sa.Column("finished", sa.Date(), nullable=True),
            sa.Column("details", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("tenant", "project_id"),
        )
        with op.batch_alter_table("project_features", schema=None) as batch_op:
            batch_op.create_index(
                "ix_project_features_tenant_revision", ["tenant", "revision"], unique=False
            )
    if "project_feature_revisions" not in present:
        op.create_table(
            "project_feature_revisions",
            sa.Column("tenant", sa.String(length=64), nullable=False),
            sa.Column("revision", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("tenant"),
        )


def downgrade() -> None:
    op.drop_table("project_feature_revisions")
    with op.batch_alter_table("project_features", schema=None) as batch_op:
        batch_op.drop_index("ix_project_features_tenant_revision")
    op.drop_table("project_features")
