"""`atelier log summary [PERIOD] [PROJECT] [--json] [--csv FILE|-] [--with-text]`: invoicing.

The same summary as `/log summary` in chat. ``--csv`` writes one row per entry (date, project,
person, hours, billable, rate, amount, currency) for an invoicing tool; entry text is internal
and is left out unless ``--with-text`` asks for it. ``-`` writes the CSV to stdout.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Any

from adapters.cli.common import fail, print_json, run, settings_or_exit, stdout
from bot.timesheet import Summary

CSV_COLUMNS = ("date", "project", "person", "hours", "billable", "rate", "amount", "currency")


def summary_csv(summary: Summary, with_text: bool = False) -> str:
    """One row per entry, oldest first; no entry text unless ``with_text``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow((*CSV_COLUMNS, "text") if with_text else CSV_COLUMNS)
    for line in summary.lines:
        row: list[Any] = [
            line.day.isoformat(),
            line.project_id,
            line.person,
            f"{line.hours:g}",
            "yes" if line.billable else "no",
            f"{line.rate:.2f}",
            f"{line.amount:.2f}",
            line.currency,
        ]
        if with_text:
            row.append(line.text)
        writer.writerow(row)
    return buffer.getvalue()


def summary_dict(summary: Summary, with_text: bool = False) -> dict[str, Any]:
    total = summary.total
    return {
        "period": {
            "start": summary.period.start.isoformat(),
            "end": summary.period.end.isoformat(),
            "label": summary.period.label,
        },
        "timezone": summary.timezone,
        "projects": [
            {
                "project": p.project_id,
                "name": p.name,
                "hours": round(p.hours, 4),
                "billable_hours": round(p.billable_hours, 4),
                "rate": p.rate,
                "currency": p.currency,
                "amount": round(p.amount, 2),
            }
            for p in summary.projects
        ],
        "people": [
            {
                "person": p.person,
                "hours": round(p.hours, 4),
                "billable_hours": round(p.billable_hours, 4),
                "amounts": {c: round(a, 2) for c, a in sorted(p.amounts.items())},
            }
            for p in summary.people
        ],
        "total": {
            "hours": round(total.hours, 4),
            "billable_hours": round(total.billable_hours, 4),
            "amounts": summary.amounts,
        },
        "entries": [
            {
                "id": line.entry_id,
                "date": line.day.isoformat(),
                "project": line.project_id,
                "person": line.person,
                "hours": line.hours,
                "billable": line.billable,
                "rate": line.rate,
                "amount": line.amount,
                "currency": line.currency,
                **({"text": line.text} if with_text else {}),
            }
            for line in summary.lines
        ],
    }


def summary_cli(
    words: list[str],
    tenant: str | None,
    as_json: bool,
    csv_target: str | None,
    with_text: bool,
) -> int:
    """Run `atelier log summary …`; the exit code."""
    settings = settings_or_exit()
    from adapters.runtime import running_bot
    from bot.registry import SkillError
    from bot.skills.log_summary import build_summary, summary_reply

    who = tenant or settings.default_tenant

    async def go() -> int:
        async with running_bot(settings) as bot:
            try:
                summary = await build_summary(bot.services, who, " ".join(words))
            except SkillError as problem:
                return fail(str(problem), as_json)
            if not as_json and csv_target is None:
                from adapters.console import ConsoleAdapter

                console = ConsoleAdapter(
                    bot,
                    stdout,
                    tenant=who,
                    user_id="you",
                    image_dir=bot.services.settings.data_dir / "images",
                )
                await console.render(summary_reply(summary))
                return 0
        if csv_target is not None:
            data = summary_csv(summary, with_text)
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
                    f"Wrote {len(summary.lines)} entries to {target}.",
                    markup=False,
                    highlight=False,
                )
        if as_json:
            print_json(summary_dict(summary, with_text))
        return 0

    return run(go)


__all__ = ["CSV_COLUMNS", "summary_cli", "summary_csv", "summary_dict"]
