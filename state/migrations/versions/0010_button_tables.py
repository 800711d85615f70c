"""button tables: the tables behind buttons join the migrations

Revision ID: 0010
Down revision: 0009
Create Date: 2026-12-03 13:00:00

- ``stored_button_values``: long button values the core stores under a short key.
- ``discord_button_keys``: Discord custom ids too long to carry inline.
- ``discord_form_states``: Discord form pages waiting behind a button.

Until now each was created on first use by the code that writes it, outside the migrations.
They are only created when missing: a database that used them already has them, with these
columns, and keeps its rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "stored_button_values" not in present:
        op.create_table(
            "stored_button_values",
            sa.Column("key", sa.String(length=40), nullable=False),
            sa.Column("tenant", sa.String(length=64), nullable=False),
            sa.Column("action_id", sa.Text(), nullable=False),
            sa.Column("value", sa.Text(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("key"),
        )
    if "discord_button_keys" not in present:
        op.create_table(
            "discord_button_keys",
            sa.Column("key", sa.String(length=24), nullable=False),
            sa.Column("action_id", sa.String(length=255), nullable=False),
            sa.Column("value", sa.Text(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("key"),
        )
    if "discord_form_states" not in present:
        op.create_table(
            "discord_form_states",
            sa.Column("key", sa.String(length=24), nullable=False),
            sa.Column("owner_id", sa.String(length=32), nullable=False),
            sa.Column("tenant", sa.String(length=64), nullable=False),
            sa.Column("form", sa.Text(), nullable=False),
            sa.Column("answers", sa.Text(), nullable=False),
            sa.Column("first", sa.Text(), nullable=False),
            sa.Column("page", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("key"),
        )


def downgrade() -> None:
    op.drop_table("discord_form_states")
    op.drop_table("discord_button_keys")
    op.drop_table("stored_button_values")
