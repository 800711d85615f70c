"""Shared pieces of the CLI: settings, the event loop, printing replies."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from bot.config import Settings, SettingsError, load_settings
from bot.core import Bot
from bot.logs import configure_logging
from bot.messages import Reply, Request
from bot.state import DatabaseUnavailable

T = TypeVar("T")

TenantOption = Annotated[
    str | None,
    typer.Option("--tenant", help="Tenant id: Slack team id, Discord guild id, or 'local'."),
]
UserOption = Annotated[str, typer.Option("--user", help="Who is acting (a user id).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of rich text.")]

stdout = Console()
stderr = Console(stderr=True)


def settings_or_exit() -> Settings:
    """Load settings, or print the one bad setting and exit 2."""
    try:
        settings = load_settings()
    except SettingsError as problem:
        sys.stderr.write(f"error: {problem}\n")  # one line, never wrapped
        raise typer.Exit(2) from None
    configure_logging(settings.log_json, settings.log_level)
    return settings


def run(coroutine_factory: Callable[[], Awaitable[T]]) -> T:
    try:
        return asyncio.run(coroutine_factory())  # type: ignore[arg-type]
    except DatabaseUnavailable as problem:
        sys.stderr.write(f"error: {problem}\n")  # one line, exit 2 like a bad setting
        raise typer.Exit(2) from None


def reply_to_dict(reply: Reply) -> dict[str, Any]:
    data = reply.model_dump(mode="python")
    for block in data["blocks"]:
        if block.get("kind") == "image":
            block["data"] = base64.b64encode(block["data"]).decode()
    data["text"] = reply.text
    return data


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


async def ask_bot(bot: Bot, request: Request, as_json: bool) -> int:
    """Send one request through the core and print the answer; exit code 0 or 1."""
    from adapters.console import ConsoleAdapter

    reply = await bot.handle(request)
    if reply is None:
        return 0
    if as_json:
        print_json(reply_to_dict(reply))
    else:
        console = ConsoleAdapter(
            bot,
            stdout,
            tenant=request.tenant,
            user_id=request.user_id,
            image_dir=bot.services.settings.data_dir / "images",
        )
        await console.render(reply)
    return 0
