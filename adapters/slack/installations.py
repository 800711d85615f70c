"""slack_sdk's installation and OAuth state stores over Atelier's own database.

Bolt's OAuth flow (``/slack/install`` → Slack → ``/slack/oauth_redirect``) saves each
install here, and Bolt's authorize step finds the bot token of the workspace a request comes
from. Only bot tokens are kept (Atelier acts as its bot, never as the installing person).

The tenant of an install is the Enterprise Grid org when there is one, else the workspace
(the same rule as :func:`adapters.slack.translate.tenant_of`). An org-wide install
(``is_enterprise_install``) has no team: its token serves every workspace of the org.

The state store issues random values, signed with the state secret when one is set, and
consumes each at most once before it expires, on SQLite and PostgreSQL alike (an atomic
``DELETE``: two replicas racing on one redirect cannot both accept it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy import and_, delete, select

from state import AppInstallation, Database, OAuthState, affected_rows, utcnow

PLATFORM = "slack"
STATE_SECONDS = 600  # as Bolt's default: ten minutes to approve the install in Slack


def tenant_of_install(enterprise_id: str | None, team_id: str | None) -> str:
    """The Atelier tenant an install serves: the org, else the workspace."""
    return str(enterprise_id or team_id or "unknown")


class DatabaseInstallationStore(AsyncInstallationStore):
    """Bot installs in the ``app_installations`` table, one current row per workspace/org."""

    def __init__(self, database: Database, client_id: str) -> None:
        self.database = database
        self.client_id = client_id
        self._logger = logging.getLogger("atelier.slack.installations")

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    async def async_save(self, installation: Installation) -> None:
        await self.async_save_bot(installation.to_bot())

    async def async_save_bot(self, bot: Bot) -> None:
        team_id = None if bot.is_enterprise_install else bot.team_id
        expires = (
            dt.datetime.fromtimestamp(bot.bot_token_expires_at, dt.UTC)
            if bot.bot_token_expires_at
            else None
        )
        details = {
            "team_name": bot.team_name,
            "enterprise_name": bot.enterprise_name,
        }
        async with self.database.transaction() as session:
            # A reinstall replaces the previous token of the same workspace or org.
            await session.execute(
                delete(AppInstallation).where(self._where(bot.enterprise_id, team_id))
            )
            session.add(
                AppInstallation(
                    platform=PLATFORM,
                    tenant=tenant_of_install(bot.enterprise_id, team_id),
                    client_id=self.client_id,
                    app_id=bot.app_id,
                    enterprise_id=bot.enterprise_id,
                    team_id=team_id,
                    is_enterprise_install=bool(bot.is_enterprise_install),
                    bot_id=bot.bot_id,
                    bot_user_id=bot.bot_user_id,
                    bot_token=bot.bot_token,
                    bot_refresh_token=bot.bot_refresh_token,
                    bot_token_expires_at=expires,
                    bot_scopes=list(bot.bot_scopes or []),
                    details={key: value for key, value in details.items() if value},
                )
            )

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        row = await self._find(enterprise_id, team_id, bool(is_enterprise_install))
        return _bot(row) if row is not None else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        row = await self._find(enterprise_id, team_id, bool(is_enterprise_install))
        if row is None:
            return None
        bot = _bot(row)
        return Installation(
            app_id=bot.app_id,
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            bot_refresh_token=bot.bot_refresh_token,
            bot_token_expires_at=bot.bot_token_expires_at,
            user_id=row.installer_user_id or "",
            is_enterprise_install=bot.is_enterprise_install,
            installed_at=bot.installed_at,
        )

    async def async_find_bot_for_tenant(self, tenant: str) -> Bot | None:
        """The token that reaches a tenant outside any request (scheduled digests): the
        org-wide install when there is one, else the newest install of the tenant."""
        async with self.database.sessions() as session:
            rows = (
                await session.execute(
                    select(AppInstallation)
                    .where(
                        AppInstallation.client_id == self.client_id,
                        AppInstallation.tenant == tenant,
                    )
                    .order_by(
                        AppInstallation.is_enterprise_install.desc(),
                        AppInstallation.installed_at.desc(),
                    )
                    .limit(1)
                )
            ).scalars()
            row = next(iter(rows), None)
        return _bot(row) if row is not None else None

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:  # no user tokens are kept; only "the whole install" means anything
            await self.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        async with self.database.transaction() as session:
            await session.execute(
                delete(AppInstallation).where(self._where(enterprise_id, team_id))
            )

    # --- helpers ------------------------------------------------------------------------------

    def _where(self, enterprise_id: str | None, team_id: str | None) -> Any:
        columns = AppInstallation
        return and_(
            columns.client_id == self.client_id,
            columns.platform == PLATFORM,
            columns.enterprise_id.is_(None)
            if enterprise_id is None
            else columns.enterprise_id == enterprise_id,
            columns.team_id.is_(None) if team_id is None else columns.team_id == team_id,
        )

    async def _find(
        self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool
    ) -> AppInstallation | None:
        """The workspace's own install, else (inside an org) the org-wide one."""
        candidates: list[str | None] = [None] if is_enterprise_install else [team_id]
        if enterprise_id and None not in candidates:
            candidates.append(None)
        async with self.database.sessions() as session:
            for team in candidates:
                if team is None and not enterprise_id:
                    continue
                found = (
                    await session.execute(
                        select(AppInstallation)
                        .where(self._where(enterprise_id, team))
                        .order_by(AppInstallation.installed_at.desc())
                        .limit(1)
                    )
                ).scalar_one_or_none()
                if found is not None:
                    return found
        return None


def _bot(row: AppInstallation) -> Bot:
    expires = row.bot_token_expires_at
    if expires is not None and expires.tzinfo is None:  # SQLite hands back naive UTC
        expires = expires.replace(tzinfo=dt.UTC)
    installed = row.installed_at
    if installed.tzinfo is None:
        installed = installed.replace(tzinfo=dt.UTC)
    details = row.details or {}
    return Bot(
        app_id=row.app_id,
        enterprise_id=row.enterprise_id,
        # slack_sdk's Bot declares str but stores None for a missing name, as Slack sends it.
        enterprise_name=details.get("enterprise_name"),  # type: ignore[arg-type]
        team_id=row.team_id,
        team_name=details.get("team_name"),  # type: ignore[arg-type]
        bot_token=row.bot_token,
        bot_id=row.bot_id or "",
        bot_user_id=row.bot_user_id or "",
        bot_scopes=list(row.bot_scopes or []),
        bot_refresh_token=row.bot_refresh_token,
        bot_token_expires_at=int(expires.timestamp()) if expires is not None else None,
        is_enterprise_install=row.is_enterprise_install,
        installed_at=installed.timestamp(),
    )


class DatabaseStateStore(AsyncOAuthStateStore):
    """OAuth state values in the ``oauth_states`` table, each accepted once within its time."""

    def __init__(
        self, database: Database, secret: str | None = None, seconds: int = STATE_SECONDS
    ) -> None:
        self.database = database
        self.secret = secret
        self.seconds = seconds
        self._logger = logging.getLogger("atelier.slack.oauth_state")

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        nonce = secrets.token_urlsafe(24)
        state = f"{nonce}.{self._sign(nonce)}" if self.secret else nonce
        now = utcnow()
        async with self.database.transaction() as session:
            # Expired values are swept as new ones are issued: the table stays small.
            await session.execute(delete(OAuthState).where(OAuthState.expires_at < now))
            session.add(
                OAuthState(state=state, expires_at=now + dt.timedelta(seconds=self.seconds))
            )
        return state

    async def async_consume(self, state: str) -> bool:
        if not state or len(state) > 128:
            return False
        if self.secret:
            nonce, _, signature = state.partition(".")
            if not hmac.compare_digest(signature, self._sign(nonce)):
                return False
        async with self.database.transaction() as session:
            deleted = delete(OAuthState).where(
                OAuthState.state == state, OAuthState.expires_at >= utcnow()
            )
            result = await session.execute(deleted)
        return affected_rows(result) > 0

    def _sign(self, nonce: str) -> str:
        assert self.secret is not None
        digest = hmac.new(self.secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()
        return digest[:32]


__all__ = [
    "DatabaseInstallationStore",
    "DatabaseStateStore",
    "tenant_of_install",
]
