"""Shared pieces of the CLI: settings, the event loop, printing replies, failing plainly.

Every failure and refusal ends the same way: one line on stderr (``error: …``), never a
traceback or the user's text echoed back from the database, and a non-zero exit code: 1 when
something was not done, 2 for a bad setting or an unreachable database.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TextIO, TypeVar

import typer
from rich.console import Console

from bot.config import Settings, SettingsError, load_settings
from bot.core import Bot
from bot.dates import DATE_HINT
from bot.errors import AtelierError
from bot.logs import configure_logging, get_logger
from bot.messages import Reply, Request
from state import DatabaseUnavailable

T = TypeVar("T")

TenantOption = Annotated[
    str | None,
    typer.Option("--tenant", help="Tenant id: Slack team id, Discord guild id, or 'local'."),
]
# Every command acts as the same local person unless --user says otherwise, so what one
# command records (an entry, an edit, a draft) is by the same person the next one sees.
DEFAULT_USER = "you"
UserOption = Annotated[str, typer.Option("--user", help="Who is acting (a user id).")]
# Date options take a day as people write it (bot.dates reads it), not only ISO dates.
DATE_EXAMPLES = DATE_HINT.replace("`", "")
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of rich text.")]

stdout = Console()
stderr = Console(stderr=True)
log = get_logger(__name__)


def one_line(text: str) -> str:
    """Text as a single line: whitespace collapsed, markdown emphasis dropped."""
    return " ".join(text.replace("**", "").split())


def error_line(message: str) -> None:
    """Print ``error: message`` as exactly one line on stderr (rich would wrap it)."""
    sys.stderr.write(f"error: {one_line(message)}\n")


def fail(message: str, as_json: bool = False, code: int = 1) -> int:
    """Report a failure (one stderr line, or ``{"error": …}`` with --json); the exit code."""
    if as_json:
        print_json({"error": one_line(message)})
    else:
        error_line(message)
    return code


def describe_failure(problem: BaseException) -> tuple[str, int]:
    """An exception as one plain sentence and an exit code; never its SQL or parameters."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    from knowledge.store import KnowledgeUnavailable

    if isinstance(problem, DatabaseUnavailable):
        return str(problem), 2
    if isinstance(problem, AtelierError | KnowledgeUnavailable):
        return str(problem), 1
    if isinstance(problem, OperationalError | InterfaceError):
        reason = str(getattr(problem, "orig", "") or "").lower()
        if "locked" in reason or "busy" in reason:
            return (
                "the database is locked by another process (another Atelier writing to it, or "
                "a tool holding it open); nothing was saved. Try again when it is free."
            ), 1
        return (
            f"the database failed ({type(getattr(problem, 'orig', problem)).__name__}); nothing "
            "was saved. Check ATELIER_DATABASE_URL and try again."
        ), 1
    error_id = uuid.uuid4().hex[:8]
    log.debug("cli_failed", error_id=error_id, exc_info=problem)
    return (
        f"something went wrong ({type(problem).__name__}, error id {error_id}); nothing was "
        "half-saved. Run with ATELIER_LOG_LEVEL=DEBUG for details."
    ), 1


_log_file: TextIO | None = None


def settings_or_exit(server: bool = False) -> Settings:
    """Load settings, or print the one bad setting and exit 2.

    Servers (``run``, ``chat``) log to stderr. One-shot commands log to
    ``<data dir>/logs/cli.log`` instead, so what they print stays one clear line; error ids in
    their messages are found there. Setting ATELIER_LOG_LEVEL puts the log back on stderr.
    """
    global _log_file
    try:
        settings = load_settings()
    except SettingsError as problem:
        sys.stderr.write(f"error: {problem}\n")  # one line, never wrapped
        raise typer.Exit(2) from None
    stream: TextIO | None = None
    if not server and "ATELIER_LOG_LEVEL" not in os.environ:
        try:
            folder = settings.data_dir / "logs"
            folder.mkdir(parents=True, exist_ok=True)
            stream = (folder / "cli.log").open("a", encoding="utf-8")
        except OSError:
            stream = None  # an unwritable data dir is reported by the command itself
    if _log_file is not None:
        _log_file.close()
    _log_file = stream
    configure_logging(settings.log_json, settings.log_level, stream)
    return settings


def run(coroutine_factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a command's coroutine; any failure becomes one stderr line and a non-zero exit."""
    try:
        return asyncio.run(coroutine_factory())
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as problem:
        message, code = describe_failure(problem)
        error_line(message)
        raise typer.Exit(code) from None


def reply_to_dict(reply: Reply, *, with_facts: bool = True) -> dict[str, Any]:
    data = reply.model_dump(mode="python", exclude=None if with_facts else {"facts"})
    for block in data["blocks"]:
        if block.get("kind") == "image":
            block["data"] = base64.b64encode(block["data"]).decode()
    data["text"] = reply.text
    return data


def facts_with_reply(reply: Reply) -> dict[str, Any]:
    """``--json`` for an answer whose figures scripts read: the reply's facts at the top, the
    reply itself (blocks, text; not its facts again) under ``reply``."""
    return {**reply.facts, "reply": reply_to_dict(reply, with_facts=False)}


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


def cli_request(
    settings: Settings, tenant: str | None, user: str, command: str | None, text: str
) -> Request:
    return Request(
        tenant=tenant or settings.default_tenant,
        user_id=user,
        user_name=user,
        channel_id="cli",
        is_private=True,
        command=command,
        text=text,
        platform="cli",
    )


async def render_reply(bot: Bot, reply: Reply, tenant: str, user: str) -> None:
    """Print a reply as the console shows it in chat (tables, buttons as keywords, charts
    saved under the data dir)."""
    from adapters.console import ConsoleAdapter

    console = ConsoleAdapter(
        bot,
        stdout,
        tenant=tenant,
        user_id=user,
        image_dir=bot.services.settings.data_dir / "images",
    )
    await console.render(reply)


async def ask_bot(bot: Bot, request: Request, as_json: bool) -> int:
    """Send one request through the core and print the answer; exit code 0, or 1 when the
    bot refused or could not do it (then the answer is one line on stderr)."""
    reply = await bot.handle(request)
    if reply is None:
        return 0
    if as_json:
        print_json(reply_to_dict(reply))
    elif reply.refused and not reply.buttons:
        error_line(reply.text)
    else:
        await render_reply(bot, reply, request.tenant, request.user_id)
    return 1 if reply.refused else 0
