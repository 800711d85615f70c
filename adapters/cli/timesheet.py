"""`atelier log summary [PERIOD] [PROJECT] [--json] [--csv FILE|-] [--with-text]`: invoicing.

This is `/log summary …` sent through ``Bot.handle``, so the period, the project and the error
messages are read exactly as in chat. ``--json`` prints the reply's facts; ``--csv`` writes one
row per entry from them (date, project, person, hours, billable, rate, amount, currency) for
an invoicing tool. Entry text is internal and is left out unless ``--with-text`` asks for it.
``-`` writes the CSV to stdout.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from adapters.cli.common import (
    DEFAULT_USER,
    cli_request,
    fail,
    print_json,
    render_reply,
    run,
    settings_or_exit,
    stdout,
)

CSV_COLUMNS = ("date", "project", "person", "hours", "billable", "rate", "amount", "currency")


def summary_csv(facts: Mapping[str, Any], with_text: bool = False) -> str:
    """One row per entry of a summary's facts, oldest first; no entry text unless asked."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow((*CSV_COLUMNS, "text") if with_text else CSV_COLUMNS)
    for entry in facts["entries"]:
        row: list[Any] = [
            entry["date"],
            entry["project"],
            entry["person"],
            f"{entry['hours']:g}",
            "yes" if entry["billable"] else "no",
            f"{entry['rate']:.2f}",
            f"{entry['amount']:.2f}",
            entry["currency"],
        ]
        if with_text:
            row.append(entry["text"])
        writer.writerow(row)
    return buffer.getvalue()


def summary_json(facts: Mapping[str, Any], with_text: bool = False) -> dict[str, Any]:
    """The summary's facts as printed by ``--json``: entry text only with ``--with-text``."""
    entries = [
        entry if with_text else {k: v for k, v in entry.items() if k != "text"}
        for entry in facts["entries"]
    ]
    return {**facts, "entries": entries}


def summary_cli(
    words: list[str],
    tenant: str | None,
    as_json: bool,
    csv_target: str | None,
    with_text: bool,
    user: str = DEFAULT_USER,
) -> int:
    """Run `atelier log summary …`; the exit code."""
    settings = settings_or_exit()
    from adapters.runtime import running_bot

    request = cli_request(settings, tenant, user, "log", " ".join(["summary", *words]))

    async def go() -> int:
        async with running_bot(settings) as bot:
            reply = await bot.handle(request)
            if reply is None or reply.refused:
                return fail(reply.text if reply else "no summary", as_json)
            if not as_json and csv_target is None:
                await render_reply(bot, reply, request.tenant, user)
                return 0
        facts = reply.facts
        if "entries" not in facts:  # as in chat, a project called "summary" takes the words
            return fail(
                f"{reply.text} (not a time summary: a project is called “summary”, so "
                "`/log summary …` logs to it)",
                as_json,
            )
        if csv_target is not None:
            data = summary_csv(facts, with_text)
            if csv_target == "-":
                sys.stdout.write(data)
                return 0
            target = Path(csv_target).expanduser()
            try:
                target.write_text(data, encoding="utf-8")
            except OSError as problem:
                return fail(f"can't write {target}: {problem.strerror or problem}", as_json)
            if not as_json:
                stdout.print(
                    f"Wrote {len(facts['entries'])} entries to {target}.",
                    markup=False,
                    highlight=False,
                )
        if as_json:
            print_json(summary_json(facts, with_text))
        return 0

    return run(go)


__all__ = ["CSV_COLUMNS", "summary_cli", "summary_csv", "summary_json"]
