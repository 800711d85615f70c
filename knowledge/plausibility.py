"""Which hour figures are believable: one rule set for log entries, closing and imports.

A typo in an hour figure is the costliest kind of bad data: one 99,999 h project drags every
later estimate. Every place that takes hours (``/log``, ``/projects close``, ``/projects edit``
and imports) asks :func:`check_hours`, so they agree on what is refused and what only needs a
confirmation:

- **Refused**: negative, not a number, more than :data:`ENTRY_MAX_HOURS` in one log entry, or
  more than :data:`PROJECT_MAX_HOURS` for one project.
- **Confirm first**: a project over :data:`PROJECT_CONFIRM_HOURS`, or actual hours at least
  :data:`RATIO_CONFIRM` times (or at most 1/:data:`RATIO_CONFIRM` of) the estimate. Real
  projects do overrun tenfold, rarely; a user who confirms is believed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

ENTRY_MAX_HOURS = 200.0  # one log entry: more is a typo (a month of full days is ~170 h)
PROJECT_MAX_HOURS = 20_000.0  # one project, estimated or actual: ten person-years
PROJECT_CONFIRM_HOURS = 5_000.0  # above this a project's hours are confirmed first
RATIO_CONFIRM = 10.0  # actual vs estimate: this far apart (either way) is confirmed first

HoursKind = Literal["entry", "actual", "estimate"]


@dataclass(frozen=True)
class HoursProblem:
    """Why an hour figure was not accepted; ``confirmable`` when the user may insist."""

    reason: str
    confirmable: bool = False


def _hours(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") + " h"


def check_hours(
    value: float | None,
    kind: HoursKind,
    *,
    estimate: float | None = None,
    confirmed: bool = False,
) -> HoursProblem | None:
    """None when ``value`` is believable; otherwise why not.

    ``kind`` says what the figure is: one log ``entry``, a project's ``actual`` hours (checked
    against ``estimate`` when there is one) or its ``estimate``. With ``confirmed`` the
    confirmable doubts are waived; refusals stay.
    """
    if value is None:
        return None
    if not math.isfinite(value):
        return HoursProblem("hours must be a number")
    if value < 0:
        return HoursProblem(f"hours can't be negative ({_hours(value)})")
    if kind == "entry":
        if value > ENTRY_MAX_HOURS:
            return HoursProblem(
                f"{_hours(value)} in one entry looks like a typo (one entry holds up to "
                f"{_hours(ENTRY_MAX_HOURS)})"
            )
        return None
    if value == 0:
        return HoursProblem(f"a project's {kind} hours must be more than 0 h")
    if value > PROJECT_MAX_HOURS:
        return HoursProblem(
            f"{_hours(value)} is more than one project can take (the limit is "
            f"{_hours(PROJECT_MAX_HOURS)})"
        )
    if confirmed:
        return None
    if value > PROJECT_CONFIRM_HOURS:
        return HoursProblem(
            f"{_hours(value)} is unusually large for one project (over "
            f"{_hours(PROJECT_CONFIRM_HOURS)})",
            confirmable=True,
        )
    if kind == "actual" and estimate:
        ratio = value / estimate
        if ratio >= RATIO_CONFIRM:
            return HoursProblem(
                f"{_hours(value)} is {ratio:,.0f}× the estimate of {_hours(estimate)}",
                confirmable=True,
            )
        if ratio <= 1 / RATIO_CONFIRM:
            return HoursProblem(
                f"{_hours(value)} is only {ratio:.0%} of the estimate of {_hours(estimate)}",
                confirmable=True,
            )
    return None


__all__ = [
    "ENTRY_MAX_HOURS",
    "PROJECT_CONFIRM_HOURS",
    "PROJECT_MAX_HOURS",
    "RATIO_CONFIRM",
    "HoursKind",
    "HoursProblem",
    "check_hours",
]
