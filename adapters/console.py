"""The console adapter: a chat with the bot in a terminal, rendered with rich.

Lines starting with ``/`` are slash commands; anything else is a direct message. Buttons are
shown with a keyword in brackets (``[approve-1]``); typing the keyword presses the button. A form
(``/projects add``) is asked field by field. Works interactively and with piped stdin: it reads
to end of input and returns.

The terminal is also where a post "to a client channel" lands: it is printed under a rule
naming the channel and reported back to the core like any platform's delivery
(``Bot.confirm_delivery``). Tests inject ``post_to_channel`` to play a refusing platform.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table as RichTable
from rich.text import Text

from adapters.text import figure_columns, table_cells
from bot.core import Bot
from bot.messages import (
    Action,
    Button,
    Buttons,
    Citation,
    Citations,
    DeliveryOutcome,
    Fields,
    Form,
    Heading,
    Image,
    Paragraph,
    Reply,
    Request,
    Table,
    Visibility,
)

# Posts a reply to a channel and says what happened (the console's stand-in for a platform).
ChannelPoster = Callable[[str, Reply], Awaitable[DeliveryOutcome]]


# What a terminal user types to leave, as in other REPLs (the core has no such command, so
# these would otherwise get "I don't know the command /quit").
QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit"})


async def post_and_report(
    bot: Bot, answer: Reply, post: ChannelPoster
) -> tuple[DeliveryOutcome, Reply | None]:
    """Post a reply the core asked to hear about (``confirm`` and a channel set) and report
    what happened: the outcome and the core's answer to it. For adapters that post in-process
    (this console, the test adapter)."""
    assert answer.confirm is not None and answer.channel_id
    try:
        outcome = await post(answer.channel_id, answer)
    except Exception as problem:  # whatever happened, the core must hear about it
        reason = f"posting failed unexpectedly ({type(problem).__name__})"
        outcome = DeliveryOutcome.unknown(answer.channel_id, "error", reason)
    return outcome, await bot.confirm_delivery(answer.confirm, outcome)


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "button"


class ConsoleAdapter:
    """One person chatting with the bot through a terminal."""

    def __init__(
        self,
        bot: Bot,
        console: Console | None = None,
        *,
        tenant: str = "local",
        user_id: str = "you",
        user_name: str = "you",
        image_dir: Path | None = None,
        post_to_channel: ChannelPoster | None = None,
    ) -> None:
        self.bot = bot
        self.console = console or Console()
        self.tenant = tenant
        self.user_id = user_id
        self.user_name = user_name
        self.image_dir = image_dir or Path(".atelier") / "images"
        self.buttons: dict[str, Button] = {}
        self._counter = 0
        self._pending_lines: AsyncIterator[str] | None = None
        self.post_to_channel: ChannelPoster = post_to_channel or self._print_to_channel
        self._posted = 0
        # What the core answered after each delivery it asked to hear about, oldest first.
        self.follow_ups: list[Reply] = []

    # --- input --------------------------------------------------------------------------

    async def run(self, lines: AsyncIterator[str] | None = None, prompt: bool | None = None) -> int:
        """Chat until end of input; returns the exit code (0)."""
        interactive = sys.stdin.isatty() if prompt is None else prompt
        source = lines if lines is not None else stdin_lines(interactive)
        self._pending_lines = source
        if interactive:
            self.console.print(
                "[bold]Atelier[/bold] — type [cyan]/help[/cyan] for commands, "
                "[cyan]/quit[/cyan] or Ctrl-D to quit."
            )
        async for line in source:
            if line.strip().lower() in QUIT_WORDS:
                break
            if line.strip():
                await self.say(line)
        return 0

    async def say(self, line: str) -> Reply | None:
        """Handle one line as the user typed it and render the answer."""
        text = line.strip()
        keyword = text.lower()
        if keyword in self.buttons:
            button = self.buttons[keyword]
            return await self.press(button)
        if text.startswith("/"):
            name, _, rest = text[1:].partition(" ")
            request = self._request(command=name.lower(), text=rest)
        else:
            request = self._request(command=None, text=text)
        answer = await self.bot.handle(request)
        if answer is not None:
            await self.deliver(answer)
        return answer

    async def press(self, button: Button) -> Reply | None:
        answer = await self.bot.handle_action(self._action(button.action_id, button.value))
        if answer is not None:
            await self.deliver(answer)
        return answer

    def _request(self, command: str | None, text: str) -> Request:
        return Request(
            tenant=self.tenant,
            user_id=self.user_id,
            user_name=self.user_name,
            channel_id="console",
            is_private=True,
            command=command,
            text=text,
            platform="console",
        )

    def _action(
        self, action_id: str, value: str, values: dict[str, str] | None = None
    ) -> Action:
        return Action(
            action_id=action_id,
            value=value,
            values=values or {},
            tenant=self.tenant,
            user_id=self.user_id,
            user_name=self.user_name,
            channel_id="console",
            platform="console",
        )

    async def _ask(self, label: str) -> str:
        """Read one answer for a form field from the same input as the chat."""
        self.console.print(f"[bold]{label}[/bold]: ", end="")
        if self._pending_lines is None:
            return ""
        try:
            answer = await anext(self._pending_lines)
        except StopAsyncIteration:
            return ""
        self.console.print(answer, highlight=False)
        return answer.strip()

    async def fill(self, form: Form) -> None:
        """Ask a form's fields one by one, submit, and re-ask fields that had errors."""
        self.console.print(Panel(Text(form.title, style="bold"), expand=False))
        self.console.print("[dim]Leave an optional field empty to skip it.[/dim]")
        values: dict[str, str] = {field.name: field.initial for field in form.fields}
        to_ask = list(form.fields)
        for _attempt in range(3):
            for field in to_ask:
                suffix = "" if field.required else " (optional)"
                typed = await self._ask(f"{field.label}{suffix}")
                values[field.name] = typed or values.get(field.name, "")
            answer = await self.bot.handle_action(
                self._action(form.form_id, form.value, values)
            )
            if answer is None:
                return
            if not answer.form_errors:
                await self.deliver(answer)
                return
            for name, message in answer.form_errors.items():
                self.console.print(f"[red]{name}: {message}[/red]")
            to_ask = [f for f in form.fields if f.name in answer.form_errors]
        self.console.print("[red]The form was not saved; run the command again.[/red]")

    # --- output -------------------------------------------------------------------------

    async def deliver(self, answer: Reply) -> None:
        """Show an answer; a post the core asked to hear about is posted, then reported."""
        if answer.confirm is None or not answer.channel_id:
            await self.render(answer)
            return
        _outcome, follow_up = await post_and_report(self.bot, answer, self.post_to_channel)
        if follow_up is not None:
            self.follow_ups.append(follow_up)
            await self.deliver(follow_up)

    async def _print_to_channel(self, channel_id: str, answer: Reply) -> DeliveryOutcome:
        self._posted += 1
        self.console.rule(Text(f"posted to channel {channel_id}", style="bold"), align="left")
        for block in answer.blocks:
            await self._render_block(block)
        self.console.rule()
        return DeliveryOutcome.ok(channel_id, f"console-{self._posted}")

    async def render(self, answer: Reply) -> None:
        if answer.visibility is Visibility.DM:
            self.console.print("[dim](sent to you privately)[/dim]")
        previous: object = None
        for block in answer.blocks:
            await self._render_block(block, previous)
            previous = block
        self.console.print()

    async def _render_block(self, block: object, previous: object = None) -> None:
        out = self.console
        match block:
            case Heading(text=text):
                out.rule(Text(text, style="bold"), align="left")
            case Paragraph(text=text):
                out.print(Markdown(chat_lines(text)))
            case Fields(items=items):
                grid = RichTable.grid(padding=(0, 2))
                grid.add_column(style="bold")
                grid.add_column()
                for item in items:
                    grid.add_row(item.label, item.value)
                out.print(grid)
            case Table(caption=caption):
                # The same cells and alignment as the chat adapters' tables (adapters/text.py).
                header, rows = table_cells(block)
                right = figure_columns(rows)
                table = RichTable(title=caption or None, show_lines=False)
                for index, name in enumerate(header):
                    table.add_column(name, justify="right" if index in right else "left")
                for row in rows:
                    table.add_row(*row)
                out.print(table)
            case Citations(items=items) if _listed_in(items, previous):
                # The table just above shows these already: only their ids are new.
                ids = ", ".join(citation.source_id for citation in items)
                out.print(Text(f"ids, in the table's order: {ids}", style="dim"))
            case Citations(items=items):
                for citation in items:
                    detail = f" — {citation.detail}" if citation.detail else ""
                    line = f"[{citation.source_id}] {citation.title}{detail}"
                    out.print(Text(line, style="dim"))
            case Buttons(items=items):
                labels = []
                for button in items:
                    self._counter += 1
                    keyword = button.keyword or f"{_slug(button.label)}-{self._counter}"
                    self.buttons[keyword] = button
                    labels.append(f"{button.label} [bold cyan]\\[{keyword}][/bold cyan]")
                out.print("Buttons: " + "   ".join(labels))
            case Image(data=data, filename=filename, title=title, alt_text=alt):
                self.image_dir.mkdir(parents=True, exist_ok=True)
                path = self.image_dir / filename
                path.write_bytes(data)
                out.print(Text(f"Chart: {title or alt} → {path}", style="dim"))
            case Form() as form:
                await self.fill(form)


_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
_FENCE = re.compile(r"^\s*(?:```|~~~)")


def chat_lines(text: str) -> str:
    """Markdown that keeps the reply's lines as Slack and Discord show them.

    The core writes for chat, where a newline is a new line; in Markdown it is a soft break,
    so "**Price**" and its text, or a list's last item and the "Total" line under it, would run
    together. Every line break becomes a hard break, and a line that is not a list item ends
    the list above it. Fenced code is left as it is.
    """
    out: list[str] = []
    fenced = False
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            out.append(line)
            continue
        if fenced:
            out.append(line)
            continue
        previous = out[-1] if out else ""
        plain = bool(line.strip()) and not line[0].isspace() and not _LIST_ITEM.match(line)
        if plain and _LIST_ITEM.match(previous):
            out[-1] = previous.rstrip()  # no hard break: the list ends here
            out.append("")
        following = lines[index + 1] if index + 1 < len(lines) else ""
        hard_break = line.strip() and following.strip() and not _FENCE.match(following)
        out.append(line.rstrip() + "  " if hard_break else line)
    return "\n".join(out)


def _listed_in(citations: Iterable[Citation], previous: object) -> bool:
    """True when ``previous`` is a table that names every cited item in its rows."""
    if not isinstance(previous, Table):
        return False
    cells = " ".join(cell for row in previous.rows for cell in row)
    return all(citation.title in cells for citation in citations)


async def stdin_lines(interactive: bool) -> AsyncIterator[str]:
    """Lines from standard input, without blocking the event loop."""
    while True:
        if interactive:
            try:
                line = await asyncio.to_thread(input, "› ")
            except EOFError:
                return
        else:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                return
        yield line.rstrip("\n")


async def iter_lines(lines: Iterable[str]) -> AsyncIterator[str]:
    for line in lines:
        yield line
