"""delivery outcomes: posts recorded from the platform's confirmation; stale drafts

Revision ID: 0002
Down revision: 0001
Create Date: 2026-12-02 09:00:00

- ``update_drafts.sending_at`` / ``delivery_attempt``: a post in flight (status ``sending``)
  and the attempt whose outcome may settle it; ``superseded_by``: the newer approved update
  that reported this draft's news; ``log_mark``: the state of the log the text was written
  from, so a button pressed after new entries were logged is refused.
- ``post_audit.message_id`` / ``permalink`` / ``note``: what the platform said it posted.

Columns are only added when missing: a database built by ``create_all`` with these models and
adopted (stamped ``0001``) already has them.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Functions, not constants: a Column belongs to one table, and a process may upgrade several
# databases (each upgrade gets its own columns).
def _draft_columns() -> tuple[sa.Column[Any], ...]:
    return (
        sa.Column("sending_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivery_attempt", sa.String(length=16), nullable=True),
        sa.Column("superseded_by", sa.String(length=16), nullable=True),
        sa.Column("log_mark", sa.String(length=64), nullable=False, server_default=""),
    )


def _audit_columns() -> tuple[sa.Column[Any], ...]:
    return (
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("permalink", sa.String(length=500), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
    )


def _missing(table: str, columns: Sequence[sa.Column]) -> list[sa.Column]:
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns(table)}
    return [column for column in columns if column.name not in present]


def upgrade() -> None:
    for table, columns in (("update_drafts", _draft_columns()), ("post_audit", _audit_columns())):
        missing = _missing(table, columns)
        if missing:
            with op.batch_alter_table(table, schema=None) as batch_op:
                for column in missing:
                    batch_op.add_column(column)


def downgrade() -> None:
    # The older schema has no "sending": an unconfirmed post goes back to approved.
    op.execute("UPDATE update_drafts SET status = 'approved' WHERE status = 'sending'")
    with op.batch_alter_table("post_audit", schema=None) as batch_op:
        for column in reversed(_audit_columns()):
            batch_op.drop_column(column.name)
    with op.batch_alter_table("update_drafts", schema=None) as batch_op:
        for column in reversed(_draft_columns()):
            batch_op.drop_column(column.name)
