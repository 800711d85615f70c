"""app installations: multi-workspace installs through the platform's OAuth flow

Revision ID: 0008
Down revision: 0007
Create Date: 2026-12-03 12:00:00

- ``app_installations``: one row per workspace (or Enterprise Grid org) that installed the
  app, with the bot token the adapter answers it with; uninstalling deletes the row.
- ``oauth_states``: one-time values handed to an installer's browser, with their expiry.

The tables are only created when missing: a database built by ``create_all`` with these
models and adopted already has them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "app_installations" not in present:
        op.create_table(
            "app_installations",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("platform", sa.String(length=16), nullable=False),
            sa.Column("tenant", sa.String(length=64), nullable=False),
            sa.Column("client_id", sa.String(length=64), nullable=False),
            sa.Column("app_id", sa.String(length=64), nullable=True),
            sa.Column("enterprise_id", sa.String(length=64), nullable=True),
            sa.Column("team_id", sa.String(length=64), nullable=True),
            sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
            sa.Column("bot_id", sa.String(length=64), nullable=True),
            sa.Column("bot_user_id", sa.String(length=64), nullable=True),
            sa.Column("bot_token", sa.Text(), nullable=False),
            sa.Column("bot_refresh_token", sa.Text(), nullable=True),
            sa.Column("bot_token_expires_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("bot_scopes", sa.JSON(), nullable=False),
            sa.Column("installer_user_id", sa.String(length=64), nullable=True),
            sa.Column("details", sa.JSON(), nullable=False),
            sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("app_installations", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_app_installations_tenant"), ["tenant"], unique=False
            )
    if "oauth_states" not in present:
        op.create_table(
            "oauth_states",
            sa.Column("state", sa.String(length=128), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("state"),
        )
        with op.batch_alter_table("oauth_states", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_oauth_states_expires_at"), ["expires_at"], unique=False
            )


def downgrade() -> None:
    op.drop_table("oauth_states")
    op.drop_table("app_installations")
