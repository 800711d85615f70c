"""Money as people type it and as Atelier writes it: one place for currencies and amounts.

Reading: ``"€90/h"``, ``"90 EUR"``, ``"CHF 120"``, ``"120 francs"``, ``"CA$95"`` -> an amount
and an ISO 4217 code. Which codes are currencies comes from the CLDR
(:mod:`knowledge.currencies`); symbols and names come from babel's English data, so a new
currency or symbol needs no edit here. A bare word that several currencies share ("dollars",
"pounds", "francs") means the one freelancers usually mean by it (:data:`USUAL`); anything
else that is not a currency is refused with a message that says what to write instead.

Writing: :func:`format_money` (an exact figure: "€1,260", "CHF 1,260.50"),
:func:`format_compact` (a quoted range: "$12k", "€9.6k") and :func:`format_rate` ("$100/h"),
placed as the locale writes money (``en``: symbol first; ``de``: "1.260 €").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from babel import Locale
from babel.numbers import (
    NumberPattern,
    format_currency,
    format_decimal,
    get_currency_name,
    get_currency_precision,
    get_currency_symbol,
    parse_pattern,
)

from bot.errors import InvalidInput
from knowledge.currencies import currency_codes, is_currency_code

DEFAULT_LOCALE = "en"
# Words several currencies share: the one meant when nothing else is said.
USUAL = {
    "dollar": "USD",
    "dollars": "USD",
    "buck": "USD",
    "bucks": "USD",
    "pound": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
    "franc": "CHF",
    "francs": "CHF",
}
CURRENCY_HINT = "use a three-letter ISO 4217 code such as USD, EUR, GBP or CHF"


class UnknownCurrency(InvalidInput):
    """A currency was written, but it is none we know ("ABC", "zorkmids")."""


# Codes and currency names that are everyday English next to a figure ("top 5 a day", "php 8",
# "won 3 matches"): in running text these count as money only in capitals (codes) or not at all
# (names). Everything else the CLDR lists counts in any case.
WORDLIKE_CODES = frozenset({
    "ALL", "TOP", "CUP", "TRY", "PEN", "BAM", "GEL", "SOS", "MAD", "MOP", "BOB", "COP", "PHP",
    "RON", "SAR", "LAK", "MUR", "DOP", "GIP",
})  # fmt: skip
WORDLIKE_NAMES = frozenset({"gold", "mark", "marks", "real", "won", "sol", "som", "dong", "kip"})


# --- what people type -----------------------------------------------------------------------


@cache
def symbols() -> dict[str, str]:
    """Symbol -> code for every currency whose English symbol is not its code ("$", "CA$", "€")."""
    found: dict[str, str] = {}
    for code in sorted(currency_codes()):
        symbol = get_currency_symbol(code, DEFAULT_LOCALE)
        if symbol != code and not any(ch.isspace() for ch in symbol) and _is_symbol(symbol):
            found.setdefault(symbol, code)
    return found


def _is_symbol(text: str) -> bool:
    # "€", "CA$", "FCFA"; not "Cg." (the trailing dot would swallow a full stop).
    return text.isalpha() or any(unicodedata.category(ch) == "Sc" for ch in text)


@cache
def names() -> dict[str, str]:
    """Lower-case English name -> code: "euro", "euros", "swiss francs", "yen", "dollars"."""
    full: dict[str, str] = {}
    last: dict[str, set[str]] = {}
    for code in sorted(currency_codes()):
        for name in {get_currency_name(code, count, DEFAULT_LOCALE) for count in (1, 2)}:
            name = name.lower()
            full.setdefault(name, code)
            last.setdefault(name.split()[-1], set()).add(code)
    unique = {
        word: next(iter(codes))
        for word, codes in last.items()
        if len(codes) == 1 and word not in WORDLIKE_NAMES  # "in real time" names no currency
    }
    return {**unique, **USUAL, **full}


def symbol_pattern() -> str:
    """A regex alternation of the typed symbols, longest first ("CA$" before "$")."""
    return "|".join(re.escape(s) for s in sorted(symbols(), key=len, reverse=True))


@cache
def amount_pattern() -> str:
    """A regex (no groups) for an amount with its currency in running text: "€5k", "$ 800",
    "5000 chf", "12k euros", "CA$900"; never "10 top products"."""
    anycase = "|".join(sorted(c for c in currency_codes() if c not in WORDLIKE_CODES))
    capitals = "|".join(sorted(WORDLIKE_CODES & currency_codes()))
    words = "|".join(
        re.escape(name)
        for name in sorted(names(), key=len, reverse=True)
        if name not in WORDLIKE_NAMES
    )
    return (
        rf"(?:{symbol_pattern()})\s?\d"
        rf"|\b\d+(?:[.,]\d+)?\s?k?\s?(?:(?i:{anycase}|{words})|(?-i:{capitals}))\b"
    )


def currency_code(text: str, *, any_case: bool = True) -> str | None:
    """``"eur"``, ``"€"``, ``"euros"``, ``"Swiss francs"`` -> ``"EUR"``/…; None when it is not a
    currency. With ``any_case=False`` a code counts only in capitals: in running text "in php"
    or "in cad" is a tool, "in CAD" a currency."""
    value = " ".join(text.split())
    if value in symbols():
        return symbols()[value]
    capitals_ok = any_case or value.isupper()
    if len(value) == 3 and value.isalpha() and capitals_ok and is_currency_code(value):
        return value.upper()
    return names().get(value.lower())


def require_currency(text: str) -> str:
    """:func:`currency_code`, or a friendly refusal that says what to write."""
    code = currency_code(text)
    if code is None:
        shown = " ".join(text.split())[:12].replace("`", "'")
        raise UnknownCurrency(f"I don't know the currency `{shown}`; {CURRENCY_HINT}.")
    return code


@dataclass(frozen=True)
class Money:
    """An amount typed by a person; ``currency`` is None when none was written."""

    amount: float
    currency: str | None = None
    per_hour: bool = False


_SIGN = r"[-+−–]"
_NUMBER = (
    r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?"  # 1,234.50
    r"|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?"  # 1.234,50
    r"|\d{1,3}(?:[' \u00a0\u202f]\d{3})+(?:[.,]\d{1,2})?"  # 1'234.50, 1 234,50
    r"|\d+(?:[.,]\d{1,2})?"  # 1234, 90.5, 90,50
)
PER_HOUR = r"(?:/\s*(?:h|hr|hrs|hour)\b|per\s+hour\b|an\s+hour\b|hourly\b|p/?h\b)"


@cache
def _money_pattern() -> re.Pattern[str]:
    # A symbol, a code or a name of at most two words ("Swiss francs"); more is not money.
    unit = rf"(?:{symbol_pattern()}|[^\W\d_]{{1,12}}(?:\s[^\W\d_]{{1,12}})?)"
    return re.compile(
        rf"^\s*(?P<sign>{_SIGN})?\s*(?:(?P<before>{unit})\s*)?(?P<sign2>{_SIGN})?\s*"
        rf"(?P<amount>{_NUMBER})(?P<thousands>k(?![^\W\d_]))?\s*(?P<after>{unit})??\s*"
        rf"(?P<per>{PER_HOUR})?\s*[.!]?\s*$",
        re.IGNORECASE,
    )


def read_number(text: str) -> float:
    """ "1,234.50", "1.234,50", "1'234", "90,5" -> a float (the last separator before one or two
    digits is the decimal one)."""
    text = re.sub(r"[' \u00a0\u202f]", "", text)
    decimal = re.search(r"[.,](\d{1,2})$", text)
    whole = text[: decimal.start()] if decimal else text
    value = float(re.sub(r"[.,]", "", whole) or "0")
    return value + (float("0." + decimal.group(1)) if decimal else 0.0)


def parse_money(text: str) -> Money:
    """ "€90/h", "90 EUR", "CHF 120", "120 francs", "€8k", "-5" -> :class:`Money`; a friendly
    :class:`~bot.errors.InvalidInput` for anything else (an unknown currency named as such)."""
    found = _money_pattern().match(text)
    if found is None:
        shown = " ".join(text.split())[:40].replace("`", "'")
        raise InvalidInput(
            f"I can't read `{shown}` as an amount; write e.g. `120 EUR`, `€90` or `CHF 120`."
        )
    before, after = found.group("before"), found.group("after")
    if before and after:
        raise InvalidInput(
            f"`{' '.join(text.split())[:40]}` names two currencies; write just one, e.g. `120 EUR`."
        )
    written = " ".join((before or after or "").split())
    currency = None
    if written:
        currency = currency_code(written)
        if currency is None and " " in written:  # "120 big websites": not an amount at all
            raise InvalidInput(
                f"I can't read `{' '.join(text.split())[:40]}` as an amount; "
                "write e.g. `120 EUR`, `€90` or `CHF 120`."
            )
        currency = currency or require_currency(written)
    amount = read_number(found.group("amount")) * (1000 if found.group("thousands") else 1)
    if found.group("sign") in {"-", "−", "–"} or found.group("sign2") in {"-", "−", "–"}:
        amount = -amount
    return Money(amount, currency, per_hour=found.group("per") is not None)


# --- what Atelier writes --------------------------------------------------------------------


@cache  # babel's data does not change while the bot runs; an estimate writes several amounts
def symbol(code: str, locale: str = DEFAULT_LOCALE) -> str:
    return get_currency_symbol(code, locale)


def currency_name(code: str, count: int = 1, locale: str = DEFAULT_LOCALE) -> str:
    """ "euro", "Swiss francs" (with ``count=2``)."""
    return get_currency_name(code, count, locale)


@cache
def _pattern(locale: str) -> str:
    # The positive half of the locale's currency pattern: "¤#,##0.00", "#,##0.00 ¤".
    return str(Locale.parse(locale).currency_formats["standard"].pattern).split(";")[0]


def _spaced(text: str, code: str, locale: str) -> str:
    # CLDR puts a space between a symbol made of letters and the digits ("CHF 1,260", not
    # "CHF1,260"); babel leaves that rule out.
    sign = symbol(code, locale)
    negative = text.startswith("-")
    body = text[1:] if negative else text
    rest = body[len(sign) :]
    if sign and sign[-1].isalpha() and body.startswith(sign) and rest[:1].isdigit():
        body = f"{sign} {rest}"
    return ("-" if negative else "") + body


def format_money(
    amount: float, code: str, locale: str = DEFAULT_LOCALE, *, cents: bool | None = None
) -> str:
    """An exact figure as the locale writes it: "€1,260", "€1,260.50", "CHF 1,260", "1.260 €".

    ``cents``: None shows them only when there are some, True always, False never (rounded).
    """
    pattern = _pattern(locale)
    whole = abs(amount - round(amount)) < 0.005
    if get_currency_precision(code) == 0:
        cents = False  # yen and won have no cents
    if cents is False or (cents is None and whole):
        pattern = re.sub(r"\.0+", "", pattern)
        amount = float(round(amount))
    text = format_currency(amount, code, format=pattern, locale=locale, currency_digits=False)
    return _spaced(text, code, locale)


def _place(number: str, code: str, locale: str) -> str:
    """``number`` (already written) where the locale puts an amount next to its symbol."""
    pattern = _pattern(locale)
    text = re.sub(r"[#0,.]+", "\x00", pattern, count=1).replace("¤", symbol(code, locale))
    return _spaced(text.replace("\x00", number), code, locale)


def format_compact(amount: float, code: str, locale: str = DEFAULT_LOCALE) -> str:
    """A figure for a range, as precise as an estimate is: "$12k", "€9.6k", "$1.2M", "$850"."""
    if amount >= 1_000_000:
        number = _decimal(amount / 1_000_000, "#,##0.#", locale) + "M"
    elif amount >= 10_000:
        number = _decimal(round(amount / 1000), "#,##0", locale) + "k"
    elif amount >= 1000:
        number = _decimal(amount / 1000, "#,##0.#", locale) + "k"
    else:
        number = _decimal(round(amount), "#,##0", locale)
    return _place(number, code, locale)


@cache
def _parsed(pattern: str, locale: str) -> tuple[NumberPattern, Locale]:
    return parse_pattern(pattern), Locale.parse(locale)


def _decimal(number: float, pattern: str, locale: str) -> str:
    """``format_decimal(number, pattern, locale=locale)``, the pattern and locale parsed once
    (babel parses both on every call)."""
    parsed, where = _parsed(pattern, locale)
    return format_decimal(number, parsed, locale=where)


def format_rate(value: float, code: str, locale: str = DEFAULT_LOCALE) -> str:
    """An hourly rate: "$100/h", "€92.50/h", "CHF 120/h"."""
    return format_money(value, code, locale) + "/h"


__all__ = [
    "CURRENCY_HINT",
    "DEFAULT_LOCALE",
    "PER_HOUR",
    "USUAL",
    "WORDLIKE_CODES",
    "WORDLIKE_NAMES",
    "Money",
    "UnknownCurrency",
    "amount_pattern",
    "currency_code",
    "currency_name",
    "format_compact",
    "format_money",
    "format_rate",
    "names",
    "parse_money",
    "read_number",
    "require_currency",
    "symbol",
    "symbol_pattern",
    "symbols",
]
