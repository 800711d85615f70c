"""project corrections: tags on active projects, the past project a close wrote, removals

Revision ID: 0003
Down revision: 0002
Create Date: 2026-12-03 08:00:00

- ``active_projects.tags``: stack tags, carried into the past project at close.
- ``active_projects.knowledge_id`` / ``closed_aliases``: the id of the past project a close
  wrote (its own namespace, never an imported project's id) and the handles the project had,
  so ``/projects reopen`` can take both back.
- ``removed_projects``: past projects taken out by ``/projects remove``, kept whole so that
  ``/projects restore`` puts them back.

Columns and the table are only added when missing: a database built by ``create_all`` with these
models and adopted already has them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None



def _project_columns() -> list[sa.Column]:
    return [
        sa.Column("tags", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("knowledge_id", sa.String(length=64), nullable=True),
        sa.Column("closed_aliases", sa.JSON(), nullable=True),
    ]


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    present = {column["name"] for column in inspector.get_columns("active_projects")}
    missing = [column for column in _project_columns() if column.name not in present]
    if missing:
        with op.batch_alter_table("active_projects", schema=None) as batch_op:
            for column in missing:
                batch_op.add_column(column)
    if "removed_projects" not in inspector.get_table_names():
        op.create_table(
            "removed_projects",
            sa.Column("tenant", sa.String(length=64), nullable=False),
            sa.Column("id", sa.String(length=64), nullable=False),
            sa.Column("project", sa.Text(), nullable=False),
            sa.Column("removed_by", sa.String(length=64), nullable=False),
            sa.Column("removed_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("tenant", "id"),
        )


def downgrade() -> None:
    op.drop_table("removed_projects")
    with op.batch_alter_table("active_projects", schema=None) as batch_op:
        for column in reversed(_project_columns()):
            batch_op.drop_column(column.name)
