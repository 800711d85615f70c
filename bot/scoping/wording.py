"""How scope numbers and data are written: hours, money, ratios, and safe data text.

One place for the formatting, so the test that traces every number in a reply back to the facts
knows the only roundings there are.
"""

from __future__ import annotations

from bot.mentions import neutralise_mentions
from bot.money import format_compact, format_rate


def safe(text: str, limit: int | None = None) -> str:
    """Data text fit to echo: mass mentions defused, whitespace collapsed, optionally cut."""
    cleaned = neutralise_mentions(" ".join(str(text).split()))
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned


def hours(value: float) -> str:
    """ "7.5 h" below ten hours, whole hours above: more digits than the data supports mislead."""
    if value < 10:
        return f"{value:.1f} h".replace(".0 h", " h")
    return f"{value:,.0f} h"


def hours_range(low: float, high: float) -> str:
    return f"{hours(low).removesuffix(' h')}–{hours(high)}"


# "$12k", "€9.6k", "CHF 12k" for amounts in a range; "$100/h" for a rate (bot.money).
money = format_compact
rate = format_rate


def percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def ratio(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") + "×"
