"""Settings from the environment and `.env` (pydantic-settings).

Our own settings use the ``ATELIER_`` prefix; platform secrets keep their ecosystems' usual names
(``SLACK_BOT_TOKEN``…) and are ``SecretStr`` so they never show up in a repr or a log line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(ValueError):
    """A missing or malformed setting; the message names it in one line."""


def _secret(name: str) -> object:
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
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data dir"
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

    # --- language model (optional) ----------------------------------------------------------
    llm: str | None = Field(default=None, description="e.g. openai:gpt-4o-mini; empty = offline")
    llm_timeout: Annotated[float, Field(gt=0)] = 20.0
    llm_exclude_client_names: bool = False

    # --- logging ----------------------------------------------------------------------------
    log_json: bool = False
    log_level: str = "INFO"

    # --- Slack ------------------------------------------------------------------------------
    port: Annotated[int, Field(ge=1, le=65535)] = 3000
    slack_api_url: str | None = None
    slack_bot_token: SecretStr | None = _secret("SLACK_BOT_TOKEN")  # type: ignore[assignment]
    slack_signing_secret: SecretStr | None = _secret("SLACK_SIGNING_SECRET")  # type: ignore[assignment]
    slack_app_token: SecretStr | None = _secret("SLACK_APP_TOKEN")  # type: ignore[assignment]

    # --- Discord ----------------------------------------------------------------------------
    discord_token: SecretStr | None = _secret("DISCORD_TOKEN")  # type: ignore[assignment]
    discord_home_guild: str | None = None

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        code = value.strip().upper()
        if len(code) != 3 or not code.isalpha():
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
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'atelier.db').as_posix()}"

    @property
    def slack_enabled(self) -> bool:
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
    "discord_token": "DISCORD_TOKEN",
}


def env_name(field: str) -> str:
    """The environment variable that sets a field."""
    return _ENV_NAMES.get(field, f"ATELIER_{field.upper()}")


def load_settings(**overrides: object) -> Settings:
    """Read settings; a bad value raises :class:`SettingsError` naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        raw = first.get("input")
        shown = "" if field in _ENV_NAMES or raw is None else f" (got {str(raw)[:40]!r})"
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"setting {env_name(field)}: {message}{shown}") from None
