"""How scope numbers and data are written: hours, money, ratios, and safe data text.

One place for the formatting, so the test that traces every number in a reply back to the facts
knows the only roundings there are.
"""

from __future__ import annotations

import re

from bot.scoping.brief import CODE_SYMBOLS

# Stored and user text is data: it must never ping a whole channel when echoed back.
_MASS_MENTION = re.compile(
    r"(<!(?:channel|here|everyone)[^>]*>|@(?:channel|here|everyone)\b)", re.IGNORECASE
)


def _defuse(found: re.Match[str]) -> str:
    # A zero-width space after "@" / "<" keeps the word readable but no longer a mention.
    return found.group(0).replace("@", "@\u200b").replace("<!", "<\u200b!")


def safe(text: str, limit: int | None = None) -> str:
    """Data text fit to echo: mass mentions defused, whitespace collapsed, optionally cut."""
    cleaned = " ".join(str(text).split())
    cleaned = _MASS_MENTION.sub(_defuse, cleaned)
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


def money(amount: float, currency: str) -> str:
    """ "$12k", "€9.6k", "$850", "12k CHF"."""
    if amount >= 1_000_000:
        number = f"{amount / 1_000_000:.1f}M".replace(".0M", "M")
    elif amount >= 10_000:
        number = f"{amount / 1000:.0f}k"
    elif amount >= 1000:
        number = f"{amount / 1000:.1f}k".replace(".0k", "k")
    else:
        number = f"{amount:.0f}"
    symbol = CODE_SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{number} {currency}"


def rate(value: float, currency: str) -> str:
    number = f"{value:,.2f}".removesuffix(".00")
    symbol = CODE_SYMBOLS.get(currency)
    return f"{symbol}{number}/h" if symbol else f"{number} {currency}/h"


def percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def ratio(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") + "×"
