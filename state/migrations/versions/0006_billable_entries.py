"""billable entries: a log entry marked non-billable (`nb:`, `#nb`, `non-billable`)

Revision ID: 0006
Down revision: 0005
Create Date: 2026-12-03 10:00:00

- ``log_entries.billable``: False for time that counts in hours but not in billable totals or
  amounts (time summaries, invoicing exports). Existing entries stay billable, as they were.

The column is only added when missing: a database built by ``create_all`` with these models and
adopted already has it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    present = {column["name"] for column in inspector.get_columns("log_entries")}
    if "billable" not in present:
        with op.batch_alter_table("log_entries", schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("billable", sa.Boolean(), nullable=False, server_default=sa.true())
            )


def downgrade() -> None:
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_column("billable")
