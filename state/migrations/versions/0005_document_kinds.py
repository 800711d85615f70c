"""document kinds: drafts of proposals and change orders next to client updates

Revision ID: 0005
Down revision: 0004
Create Date: 2026-12-03 10:00:00

- ``update_drafts.kind``: which client document a draft is (``update``, ``proposal``,
  ``change``); every existing draft is an update.
- ``update_drafts.options``: the kind's choices for the whole draft (a proposal's pricing form).
- ``update_draft_versions.document``: the structured document a version's text was written
  from, for exports and for what follows approval.

Columns are only added when missing: a database built by ``create_all`` with these models and
adopted already has them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _draft_columns() -> list[sa.Column]:
    return [
        sa.Column("kind", sa.String(length=16), nullable=False, server_default="update"),
        sa.Column("options", sa.JSON(), nullable=True),
    ]


def _version_columns() -> list[sa.Column]:
    return [sa.Column("document", sa.JSON(), nullable=True)]


def _add_missing(table: str, columns: list[sa.Column]) -> None:
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns(table)}
    missing = [column for column in columns if column.name not in present]
    if missing:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in missing:
                batch_op.add_column(column)


def upgrade() -> None:
    _add_missing("update_drafts", _draft_columns())
    _add_missing("update_draft_versions", _version_columns())


def downgrade() -> None:
    with op.batch_alter_table("update_draft_versions", schema=None) as batch_op:
        for column in reversed(_version_columns()):
            batch_op.drop_column(column.name)
    with op.batch_alter_table("update_drafts", schema=None) as batch_op:
        for column in reversed(_draft_columns()):
            batch_op.drop_column(column.name)
