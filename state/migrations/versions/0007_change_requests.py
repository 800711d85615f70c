"""change requests: what a client asked for on an active project, judged and priced

Revision ID: 0007
Down revision: 0006
Create Date: 2026-12-03 11:00:00

- ``change_requests``: the request, its verdict against the agreed scope (included, extra,
  unclear) with the reason and the scope line it cites, the hours band and price of an extra,
  the new due date, the change-order draft, and the decision (approved, declined, absorbed)
  with what it changed on the project.

The table is only created when missing: a database built by ``create_all`` with these models
and adopted already has it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if "change_requests" in set(sa.inspect(op.get_bind()).get_table_names()):
        return
    op.create_table(
        "change_requests",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("requester_id", sa.String(length=64), nullable=False),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("scope_line", sa.Text(), nullable=True),
        sa.Column("hours_p10", sa.Float(), nullable=True),
        sa.Column("hours", sa.Float(), nullable=True),
        sa.Column("hours_p90", sa.Float(), nullable=True),
        sa.Column("price", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("new_due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("draft_id", sa.String(length=16), nullable=True),
        sa.Column("log_entry_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("effect", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("change_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_requests_tenant"), ["tenant"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_change_requests_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_change_requests_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("change_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_requests_status"))
        batch_op.drop_index(batch_op.f("ix_change_requests_project_id"))
        batch_op.drop_index(batch_op.f("ix_change_requests_tenant"))
    op.drop_table("change_requests")
