"""Structured logging: readable in a terminal, JSON with ``ATELIER_LOG_JSON=1``.

Secrets never reach a log line: settings hold them as ``SecretStr`` and a processor scrubs
anything shaped like a Slack/Discord/provider token as a second line of defence.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

_TOKEN = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,}|sk-[A-Za-z0-9_-]{12,}"
    r"|[MN][A-Za-z\d_-]{23,25}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,})"
)
# Process-wide on purpose: the logging processors are process-wide, and every secret the
# process was given must be scrubbed from every line, whichever bot or tenant logs it.
_extra_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Scrub this exact value from every log line (tokens of any shape)."""
    if value and len(value) >= 6:
        _extra_secrets.add(value)


def scrub(text: str) -> str:
    for secret in _extra_secrets:
        text = text.replace(secret, "***")
    return _TOKEN.sub("***", text)


def _scrub_processor(
    _logger: Any, _name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in list(event_dict.items()):
        if isinstance(value, str):
            event_dict[key] = scrub(value)
        elif value is not None and not isinstance(value, int | float | bool):
            event_dict[key] = scrub(str(value))
    return event_dict


def configure_logging(
    json_output: bool = False, level: str = "INFO", stream: TextIO | None = None
) -> None:
    """Configure structlog and route stdlib logging (Bolt, discord.py, chromadb) through it.

    Lines go to ``stream`` (default stderr; one-shot CLI commands log to a file so their
    output stays one clear line).
    """
    stream = stream or sys.stderr
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json_output
        else structlog.dev.ConsoleRenderer(colors=stream.isatty())
    )
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            _scrub_processor,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.processors.format_exc_info, _scrub_processor],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("chromadb", "httpx", "urllib3", "discord.gateway", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # Database engines and drivers log statements *with their parameters* (user text) at
    # INFO/DEBUG: they stay at WARNING whatever the level, so DEBUG never leaks entries.
    for driver in ("sqlalchemy", "aiosqlite", "psycopg", "asyncpg"):
        logging.getLogger(driver).setLevel(max(logging.WARNING, root.level))


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
