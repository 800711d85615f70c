"""Settings from the environment and `.env` (pydantic-settings).

Our own settings use the ``ATELIER_`` prefix; platform secrets keep their ecosystems' usual names
(``SLACK_BOT_TOKEN``…) and are ``SecretStr`` so they never show up in a repr or a log line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from knowledge.currencies import history_currency_codes, is_currency_code


class SettingsError(ValueError):
    """A missing or malformed setting; the message names it in one line."""


# A list of ids in one variable: "U012AB3CD,U045EF6GH" (commas or spaces), not JSON.
IdList = Annotated[tuple[str, ...], NoDecode]


def _ids(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    # Not a string: pydantic hands over the list or tuple it parsed (a non-iterable fails here).
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    return tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))


def _check_ids(ids: tuple[str, ...], pattern: str, example: str) -> tuple[str, ...]:
    for item in ids:
        if not re.fullmatch(pattern, item):
            raise ValueError(f"expected ids like {example}, separated by commas")
    return ids


def _secret(name: str) -> Any:  # pydantic's Field() is typed Any: it stands in for the value
    return Field(default=None, validation_alias=AliasChoices(name))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ATELIER_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # --- storage --------------------------------------------------------------------------
    data_dir: Path = Field(default=Path(".atelier"), description="where state and vectors live")
    # A secret: a PostgreSQL URL carries the password, which must not show in a repr or log.
    database_url: SecretStr | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data dir"
    )
    database_lock_timeout: Annotated[float, Field(gt=0, le=600)] = Field(
        default=15.0, description="seconds a write waits for a SQLite file another process locks"
    )
    chroma_url: str | None = Field(
        default=None, description="a `chroma run` server, e.g. http://127.0.0.1:8000"
    )
    embeddings: str = Field(
        default="local",
        description="'local' (bundled MiniLM) or a langchain provider:model string",
    )
    demo_data: bool = Field(default=True, description="load the demo portfolio on first run")
    default_tenant: str = "local"

    # --- estimates ------------------------------------------------------------------------
    rate: Annotated[float, Field(gt=0)] = Field(default=100.0, description="hourly rate")
    currency: str = Field(default="USD", description="ISO 4217 code")
    scope_k: Annotated[int, Field(ge=1, le=50)] = 8
    scope_min_similarity: Annotated[float, Field(ge=0, le=1)] = 0.25
    history_cache_projects: Annotated[int, Field(ge=1_000)] = Field(
        default=200_000,
        description="closed projects kept in memory for /scope over all workspaces (LRU)",
    )
    tuning_in_child: bool = Field(
        default=True,
        description="tune a large workspace's estimates (2,000+ closed projects) in a "
        "short-lived child process: serving /scope for it, the bot keeps about 65 MB less "
        "(no scikit-learn), but the two processes together peak higher while a tuning runs",
    )

    # --- proposals ------------------------------------------------------------------------
    proposal_pricing: Literal["fixed", "tm"] = Field(
        default="fixed", description="fixed price, or a time-and-materials range"
    )
    proposal_confidence: Literal["p50", "p80"] = Field(
        default="p80", description="the point of the calibrated band a fixed price is set at"
    )
    capacity_hours_per_week: Annotated[float, Field(gt=0, le=168)] = Field(
        default=25.0, description="hours a week the studio can give one project (timelines)"
    )
    proposal_payment_terms: str = Field(
        default="50% on signature, 50% on delivery; invoices are due within 14 days.",
        max_length=500,
    )
    proposal_validity_days: Annotated[int, Field(ge=1, le=365)] = 30

    # --- language model (optional) ----------------------------------------------------------
    llm: str | None = Field(default=None, description="e.g. openai:gpt-4o-mini; empty = offline")
    llm_timeout: Annotated[float, Field(gt=0)] = 20.0
    llm_exclude_client_names: bool = False

    # --- logging ----------------------------------------------------------------------------
    log_json: bool = False
    log_level: str = "INFO"

    # --- running --------------------------------------------------------------------------
    # On SIGTERM/SIGINT, how long acknowledged work may take to finish before the process exits
    # (keep it below the orchestrator's kill timeout, e.g. compose `stop_grace_period`).
    shutdown_grace_seconds: Annotated[float, Field(gt=0, le=3600)] = 20.0

    # --- retention ------------------------------------------------------------------------
    # Bookkeeping rows older than these are deleted at start and daily (bot/retention.py).
    retention_seen_events_days: Annotated[int, Field(ge=1, le=3650)] = Field(
        default=30, description="event ids kept to recognise a platform's retries"
    )
    retention_scope_runs_days: Annotated[int, Field(ge=1, le=3650)] = Field(
        default=180, description="/scope answers whose buttons still work"
    )
    retention_button_keys_days: Annotated[int, Field(ge=1, le=3650)] = Field(
        default=180, description="long button values and Discord button keys"
    )
    retention_feature_tombstones_days: Annotated[int, Field(ge=1, le=3650)] = Field(
        default=30,
        description="marks of removed past projects in the estimator's rows; a process that "
        "last read a workspace's rows before this reads them in full once",
    )

    # --- digests ----------------------------------------------------------------------------
    # The weekly digest's schedule is per workspace (`/atelier digest on …`); these tune it.
    scheduler: bool = Field(
        default=True, description="run scheduled digests in this process (any replica may)"
    )
    digest_stale_days: Annotated[int, Field(ge=1, le=365)] = Field(
        default=10, description="a project with nothing logged for this many days is stale"
    )
    digest_near_due_days: Annotated[int, Field(ge=0, le=90)] = Field(
        default=5, description="warn when a project is due within this many days"
    )
    digest_fallback_user: str | None = Field(
        default=None,
        description="who gets projects whose owner can't be reached by DM (default: whoever "
        "turned the digest on)",
    )
    digest_timezone: str = Field(
        default="UTC", description="time zone of `/atelier digest on fri 15:00` without one"
    )

    # --- Slack ------------------------------------------------------------------------------
    port: Annotated[int, Field(ge=1, le=65535)] = 3000
    slack_api_url: str | None = None
    slack_bot_token: SecretStr | None = _secret("SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = _secret("SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = _secret("SLACK_APP_TOKEN")
    # Multi-workspace installs (Bolt's OAuth flow): set both, and each workspace installs the
    # app at /slack/install; SLACK_BOT_TOKEN is then not used.
    slack_client_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_CLIENT_ID"),
        description="the app's client id (Basic Information → App Credentials)",
    )
    slack_client_secret: SecretStr | None = _secret("SLACK_CLIENT_SECRET")
    slack_state_secret: SecretStr | None = _secret("SLACK_STATE_SECRET")
    slack_install_redirect_url: str | None = Field(
        default=None,
        description="the redirect URL registered in the app (https://<host>/slack/oauth_redirect)",
    )
    slack_oauth_authorize_url: str | None = None  # Slack's authorize page (a test fake: loopback)
    slack_command_prefix: str = Field(
        default="",
        pattern=r"^[a-z0-9_-]{0,12}$",
        description="prefix of every slash command (e.g. at- gives /at-scope) so names never "
        "collide with other apps' commands",
    )

    # --- Discord ----------------------------------------------------------------------------
    discord_token: SecretStr | None = _secret("DISCORD_TOKEN")
    discord_home_guild: str | None = None

    # --- who may use Atelier ------------------------------------------------------------------
    slack_allowed_users: IdList = Field(
        default=(), description="Slack user ids allowed to use Atelier; empty = every member"
    )
    slack_allowed_groups: IdList = Field(
        default=(), description="Slack user group ids whose members are allowed"
    )
    discord_roles: IdList = Field(
        default=(),
        description="Discord role ids allowed to use Atelier (besides Manage Server holders)",
    )
    discord_client_roles: IdList = Field(
        default=(), description="Discord role ids of clients: channels they can read are shared"
    )
    access_cache_seconds: Annotated[float, Field(ge=0, le=3600)] = Field(
        default=300.0, description="how long what the platform says about a person is kept"
    )

    @field_validator(
        "slack_allowed_users",
        "slack_allowed_groups",
        "discord_roles",
        "discord_client_roles",
        mode="before",
    )
    @classmethod
    def _split_ids(cls, value: object) -> tuple[str, ...]:
        return _ids(value)

    @field_validator("slack_allowed_users")
    @classmethod
    def _slack_users(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_ids(value, r"[UW][A-Z0-9]{2,}", "U012AB3CD")

    @field_validator("slack_allowed_groups")
    @classmethod
    def _slack_groups(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_ids(value, r"S[A-Z0-9]{2,}", "S0614TZR7")

    @field_validator("discord_roles", "discord_client_roles")
    @classmethod
    def _discord_roles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_ids(value, r"[0-9]{5,25}", "123456789012345678")

    @field_validator("digest_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        name = value.strip() or "UTC"
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be a tz database name such as Europe/Berlin or UTC") from None
        return name

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        code = value.strip().upper()
        if code in history_currency_codes() and not is_currency_code(code):
            raise ValueError(f"{code} is no longer legal tender; use the currency that replaced it")
        if not is_currency_code(code):
            raise ValueError("must be a three-letter ISO 4217 code such as USD or EUR")
        return code

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL in clear (for the engine only; never print or log it)."""
        url = self.database_url
        plain = url.get_secret_value() if isinstance(url, SecretStr) else url
        if plain:  # a plain string too: ``model_copy(update=...)`` skips validation
            return str(plain)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'atelier.db').as_posix()}"

    @property
    def slack_oauth_enabled(self) -> bool:
        """Installs in many workspaces through Slack's OAuth flow (HTTP mode only)."""
        return bool(self.slack_client_id) and self.slack_client_secret is not None

    @property
    def slack_enabled(self) -> bool:
        if self.slack_oauth_enabled:
            return self.slack_signing_secret is not None
        return self.slack_bot_token is not None and (
            self.slack_app_token is not None or self.slack_signing_secret is not None
        )

    @property
    def discord_enabled(self) -> bool:
        return self.discord_token is not None


_ENV_NAMES = {
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_client_id": "SLACK_CLIENT_ID",
    "slack_client_secret": "SLACK_CLIENT_SECRET",
    "slack_state_secret": "SLACK_STATE_SECRET",
    "discord_token": "DISCORD_TOKEN",
}


def env_name(field: str) -> str:
    """The environment variable that sets a field."""
    return _ENV_NAMES.get(field, f"ATELIER_{field.upper()}")


def load_settings(**overrides: object) -> Settings:
    """Read settings; a bad value raises :class:`SettingsError` naming the variable."""
    try:
        # Names and values are checked by pydantic here, at run time; callers pass any field.
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        raw = first.get("input")
        shown = "" if field in _ENV_NAMES or raw is None else f" (got {str(raw)[:40]!r})"
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"setting {env_name(field)}: {message}{shown}") from None
