"""Checking a model's prose against the facts it was given, and defusing mentions.

A language model may re-phrase a draft, never add to it. :func:`check` lists every number,
money amount, percentage, date, identifier, link, channel and name-like word in the model's
output that cannot be traced to the facts or the draft; the composer falls back to the draft
when the list is not empty. :func:`strip_mentions` (from :mod:`bot.mentions`) removes anything
that would ping people.

The check is deliberately strict: a false alarm costs a nicer phrasing (the draft is always a
correct answer), a missed one would put an invented figure in front of a client. So:

- every link shape counts (bare domains, ``//host``, HTML anchors, markdown and Slack links,
  see :func:`bot.leaks.find_links`), and a link is traceable only if the draft or a fact holds it;
- numbers written in words ("twelve thousand five hundred dollars", "a dozen") are read as
  digits first (:mod:`bot.number_words`);
- a number is traceable only with its unit: money, a percentage, hours, days, weeks, months or
  a ratio, read from the words around it in the text and from the key of a fact
  (``estimate_hours``, ``budget``, ``hours_used_pct``, ``overrun_ratio``…). A 120 h estimate
  vouches for "120 hours" and "120", never for "$120" or "120%".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.leaks import canonical, written_links
from bot.mentions import strip_mentions
from bot.money import currency_code, names, symbol_pattern
from bot.number_words import words_to_digits
from knowledge.currencies import currency_codes

# --- what a text claims -------------------------------------------------------------------

_MONTHS = {
    name: index
    for index, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
# Capitalised only: "may 3 hours" is not a date.
_MONTH = (
    r"(?P<month>" + "|".join(sorted((m.title() for m in _MONTHS), key=len, reverse=True)) + r")\.?"
)
_ORDINAL = r"(?:st|nd|rd|th)?"
_DATE_PATTERNS = [
    re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<mon>\d{1,2})-(?P<day>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<year>\d{4})(?!\d)"),
    re.compile(
        rf"\b(?P<day>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?{_MONTH}(?:,?\s+(?P<year>\d{{4}}))?\b"
    ),
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}}){_ORDINAL}(?:,?\s+(?P<year>\d{{4}}))?\b"),
    re.compile(rf"\b{_MONTH}\s+(?P<year>\d{{4}})\b"),
]

_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\"']+", re.IGNORECASE)
# Every other link shape, blanked before numbers are read ("evil.com/pay", "//host", anchors).
_LINKISH = re.compile(
    r"<\s*a\b[^>]*>|\[[^\]\n]*\]\([^)\s]*\)|<(?:https?|mailto):[^>\s]*>|(?<![:\w/])//\S+"
    r"|(?<![\w@./-])(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CHANNEL = re.compile(r"<#[A-Za-z0-9]+(?:\|[^>]*)?>|(?<![\w&/])#[A-Za-z][\w-]*")
# Words that carry digits but start with a letter: project ids (p-017), P50, Q3, v2.
_IDENTIFIER = re.compile(r"\b[A-Za-z][A-Za-z_-]*\d[\w-]*")
_LIST_MARKER = re.compile(r"^(\s*)\d{1,2}[.)]\s", re.MULTILINE)
# Currencies as the CLDR writes them (bot.money): a code in capitals before or after the
# figure ("CHF 1,260", "1,260 SEK"), a symbol ("€", "CA$"), or a name in any case ("euros").
_CODES = "|".join(sorted(currency_codes()))
_SYMBOLS = symbol_pattern() + "|¥"
_NAMES = "|".join(re.escape(name) for name in sorted(names(), key=len, reverse=True))
_CODE_WORD = re.compile(rf"\b(?:{_CODES})\b")  # a code named in a fact ("EUR", "CHF")
_NUMBER = re.compile(
    rf"(?:(?P<code_before>(?-i:{_CODES}))\s?)?"
    rf"(?P<currency>{_SYMBOLS})?\s?"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:(?P<suffix>[kKmM]|bn)(?![A-Za-z]))?"
    r"(?P<percent>\s?%| percent\b| per ?cent\b)?"
    rf"(?P<code_after>\s?(?:{_SYMBOLS}|(?-i:{_CODES})\b|(?i:{_NAMES})\b))?"
)
# The unit written after a number: "6 h", "120 budgeted hours", "14 days", "1.3×".
_UNIT_AFTER = re.compile(
    r"\s?(?:(?P<ratio>[×x])(?![A-Za-z])"
    r"|(?:[A-Za-z-]+\s)?(?:(?P<hours>h|hrs?|hours?)|(?P<days>d|days?)|(?P<weeks>wks?|weeks?)"
    r"|(?P<months>months?))\b)",
    re.IGNORECASE,
)
UNITS = ("money", "percent", "hours", "days", "weeks", "months", "ratio")
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][\w'’À-ÖØ-öø-ÿ]*")

# Capitalised words that prose uses without naming anything from the facts.
_COMMON_WORDS = """
    i i'm i've i'll i'd we we're we've we'll you you're your our us they it its he she
    hi hello hey dear thanks thank best regards cheers kind warm sincerely team all everyone
    monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday
    january february march april may june july august september october november december
    mon tue wed thu fri sat sun jan feb mar apr jun jul aug sep sept oct nov dec
    the a an this that these those next last previous first second third final overall
    summary status update updates done next risks risk blockers blocker questions question
    decision decisions budget timeline progress estimate estimates hours price scope phase
    phases notes note plan please let know looking forward happy glad note
    api apis cms seo ux ui qa css html url pdf faq eta ok mvp csv json ios android
    p10 p50 p80 p90 usd eur gbp jpy cad aud chf
"""
_COMMON = frozenset(_COMMON_WORDS.split())


@dataclass(frozen=True)
class Claim:
    """Something a text states that must be traceable to the facts."""

    kind: str  # "number", "percent", "date", "identifier", "link", "channel", "name"
    text: str


@dataclass(frozen=True)
class _Number:
    text: str
    # What it may mean, as (value, scale written): "3m" is (3_000_000, 1e6) or (3, 1).
    candidates: tuple[tuple[float, float], ...]
    decimals: int  # precision as written: 119 -> 0, 1.25 -> 2; 12.5k -> 1 (in thousands)
    percent: bool
    currency: str | None
    unit: str | None = None  # one of UNITS, or None for a bare number


@dataclass(frozen=True)
class _Date:
    text: str
    year: int | None
    month: int
    day: int | None


def _parse_dates(text: str) -> tuple[list[_Date], str]:
    """Dates in ``text``, and the text with them blanked out."""
    found: list[_Date] = []
    chars = list(text)
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer("".join(chars)):
            groups = match.groupdict()
            year = int(groups["year"]) if groups.get("year") else None
            if "a" in groups and groups.get("a"):
                # 03/04/2026 is ambiguous (day/month or month/day): record both readings.
                first, second = int(groups["a"]), int(groups["b"])
                for month, day in {(first, second), (second, first)}:
                    if 1 <= month <= 12 and 1 <= day <= 31:
                        found.append(_Date(match.group(0), year, month, day))
            elif groups.get("mon"):
                found.append(_Date(match.group(0), year, int(groups["mon"]), int(groups["day"])))
            else:
                month = _MONTHS[groups["month"].lower().rstrip(".")]
                named_day = int(groups["day"]) if groups.get("day") else None
                if named_day is not None and not 1 <= named_day <= 31:
                    continue
                found.append(_Date(match.group(0), year, month, named_day))
            chars[match.start() : match.end()] = " " * (match.end() - match.start())
    return found, "".join(chars)


def _currency(match: re.Match[str]) -> str | None:
    for group in ("currency", "code_before", "code_after"):
        written = (match.group(group) or "").strip()
        if written:
            return currency_code(written) or written.upper()
    return None


def _unit(match: re.Match[str], text: str, currency: str | None) -> str | None:
    if currency is not None:
        return "money"
    if match.group("percent"):
        return "percent"
    after = _UNIT_AFTER.match(text, match.end())
    if after is None:
        return None
    return next(name for name in ("ratio", "hours", "days", "weeks", "months") if after.group(name))


def _parse_numbers(text: str) -> list[_Number]:
    numbers: list[_Number] = []
    for match in _NUMBER.finditer(text):
        raw = match.group("number").replace(",", "")
        value = float(raw)
        decimals = len(raw.partition(".")[2])
        suffix = (match.group("suffix") or "").lower()
        currency = _currency(match)
        scale = {"k": 1_000.0, "m": 1_000_000.0, "bn": 1_000_000_000.0}.get(suffix, 1.0)
        candidates = [(value * scale, scale)]
        if suffix == "m" and currency is None:
            candidates.append((value, 1.0))  # "3m": minutes or months as often as millions
        numbers.append(
            _Number(
                text=match.group(0).strip(),
                candidates=tuple(candidates),
                decimals=decimals,
                percent=bool(match.group("percent")),
                currency=currency,
                unit=_unit(match, text, currency),
            )
        )
    return numbers


def _blank(pattern: re.Pattern[str], text: str) -> tuple[list[str], str]:
    """The matches of ``pattern`` (trailing punctuation dropped), and ``text`` with each
    blanked out by as many spaces: one pass of the pattern."""
    found: list[str] = []
    parts: list[str] = []
    end = 0
    for match in pattern.finditer(text):
        found.append(match.group(0).rstrip(".,;:!?"))
        parts += (text[end : match.start()], " " * (match.end() - match.start()))
        end = match.end()
    if not found:
        return found, text
    parts.append(text[end:])
    return found, "".join(parts)


@dataclass
class _Parsed:
    links: list[str]
    channels: list[str]
    identifiers: list[str]
    dates: list[_Date]
    numbers: list[_Number]
    words: list[tuple[str, bool]]  # (word, starts a sentence)


def _parse(text: str) -> _Parsed:
    links = written_links(text)
    _, text = _blank(_URL, text)
    emails, text = _blank(_EMAIL, text)
    _, text = _blank(_LINKISH, text)
    text = words_to_digits(text)
    channels, text = _blank(_CHANNEL, text)
    identifiers, text = _blank(_IDENTIFIER, text)
    dates, text = _parse_dates(text)
    numbers = _parse_numbers(_LIST_MARKER.sub(r"\1", text))
    return _Parsed(links + emails, channels, identifiers, dates, numbers, list(_words(text)))


def _words(text: str) -> Iterator[tuple[str, bool]]:
    for match in _WORD.finditer(text):
        # A short look-back is enough to skip markdown and bullets (and keeps this linear).
        before = text[max(0, match.start() - 40) : match.start()].rstrip(" \t*_`\"'“‘(>#•-")
        starts = not before or before[-1] in ".!?:\n;—–"
        yield match.group(0), starts


# --- what the facts allow -----------------------------------------------------------------


def _fact_items(value: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(keys leading to it, scalar) for every scalar in a JSON-like structure."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        yield path, float(value)
    elif isinstance(value, dt.date | str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _fact_items(item, (*path, str(key).lower()))
    elif isinstance(value, Iterable):
        for item in value:
            yield from _fact_items(item, path)
    else:
        yield path, str(value)


# What a fact's key says its number is, most specific first.
_KEY_UNITS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("percent", ("pct", "percent")),
    ("ratio", ("ratio", "overrun", "share", "similarity", "shrinkage", "coverage", "factor",
               "fraction", "multiplier")),
    ("hours", ("hour", "_h")),
    ("days", ("days", "day_count")),
    ("weeks", ("week",)),
    ("money", ("price", "budget", "cost", "spent", "amount", "fee", "revenue", "rate",
               "invoice", "money", "paid")),
    ("hours", ("estimate", "effort", "p10", "p50", "p80", "p90", "point")),
)  # fmt: skip


def _key_unit(path: tuple[str, ...]) -> str | None:
    """The unit a fact's keys give its number (the nearest key that says one)."""
    for key in reversed(path):
        for unit, hints in _KEY_UNITS:
            if any(hint in key for hint in hints):
                return unit
    return None


# Which units of evidence vouch for a number written with a unit (a bare number: any of them).
_VOUCHES: dict[str, frozenset[str | None]] = {
    "money": frozenset({"money"}),
    "percent": frozenset({"percent"}),  # and ratios, scaled: see Evidence.has_number
    "hours": frozenset({"hours", None}),
    "days": frozenset({"days", None}),
    "weeks": frozenset({"weeks", None}),
    "months": frozenset({"months", None}),
    "ratio": frozenset({"ratio", None}),
}


class Evidence:
    """Everything a composed text may mention: the facts and the draft."""

    def __init__(self, facts: Mapping[str, Any], draft: str) -> None:
        self.values: set[float] = set()
        self.by_unit: dict[str | None, set[float]] = {}
        self.links: set[str] = set()
        self.dates: set[tuple[int | None, int, int | None]] = set()
        self.currencies: set[str] = set()
        self.words: set[str] = set()
        self.identifiers: set[str] = set()
        # Figures, dates, links and channels come from the draft and from structured fact
        # values (numbers, dates, single tokens such as "2026-03-15" or "#acme"). Prose inside
        # the facts (a summary, a log entry, a client's brief) only vouches for names: a
        # "Total: 777 hours" planted in a summary must not become a figure in the answer.
        texts: list[str] = [draft]
        self.draft = draft
        self.parsed_draft = _parse(draft)  # kept: the dropped-figure check reads it again
        for path, item in _fact_items(facts, ()):
            if isinstance(item, float):
                self._add_value(item, _key_unit(path))
            elif isinstance(item, dt.date):
                self._add_date(item.year, item.month, item.day)
            elif item.strip() and not any(c.isspace() for c in item.strip()):
                texts.append(item)
            else:
                self.words.update(word.lower() for word, _ in _words(item))
        self._add_parsed(self.parsed_draft, draft)
        # A value repeated in the facts ("done", "done") says nothing new: parse it once.
        for text in dict.fromkeys(texts[1:]):
            self._add_text(text)
        self.text = "\n".join(texts).lower()

    @classmethod
    def of_text(cls, text: str, parsed: _Parsed) -> Evidence:
        """What ``text`` alone vouches for, from its parse (``Evidence({}, text)``)."""
        evidence = cls.__new__(cls)
        evidence.values, evidence.by_unit, evidence.links = set(), {}, set()
        evidence.dates, evidence.currencies, evidence.words = set(), set(), set()
        evidence.identifiers = set()
        evidence.draft, evidence.parsed_draft = text, parsed
        evidence._add_parsed(parsed, text)
        evidence.text = text.lower()
        return evidence

    def _add_value(self, value: float, unit: str | None) -> None:
        self.values.add(value)
        self.by_unit.setdefault(unit, set()).add(value)

    def _add_date(self, year: int | None, month: int, day: int | None) -> None:
        self.dates.add((year, month, day))
        if year is not None:
            self._add_value(float(year), None)

    def _add_text(self, text: str) -> None:
        self._add_parsed(_parse(text), text)

    def _add_parsed(self, parsed: _Parsed, text: str) -> None:
        for date in parsed.dates:
            self._add_date(date.year, date.month, date.day)
        for number in parsed.numbers:
            for value, _ in number.candidates:
                self._add_value(value, number.unit)
            if number.currency:
                self.currencies.add(number.currency)
        self.links.update(canonical(link) for link in parsed.links if "@" not in link)
        self.identifiers.update(i.lower() for i in parsed.identifiers)
        self.words.update(word.lower() for word, _ in parsed.words)
        self.currencies.update(_CODE_WORD.findall(text))

    # -- matching --

    def _values(self, units: Iterable[str | None]) -> set[float]:
        return set().union(*(self.by_unit.get(unit, set()) for unit in units))

    def has_number(self, number: _Number) -> bool:
        # A bare number claims no unit: any figure vouches for it.
        units = _VOUCHES.get(number.unit or "")
        targets = set(self.values) if units is None else self._values(units)
        if number.unit == "percent":
            # 30% may state a fraction (0.3) or an overrun ratio (1.3x) from the facts.
            ratios = self._values(("ratio",))
            targets |= {v * 100 for v in ratios} | {(v - 1) * 100 for v in ratios}
        for candidate, scale in number.candidates:
            for target in targets:
                # "119h" for 118.6 (or "43" for 42.5) is a faithful rounding; "120h" is not.
                half_step = 0.5 * scale * 10.0**-number.decimals
                if abs(candidate - target) <= half_step + 1e-9 * max(1.0, abs(target)):
                    return True
        return False

    def has_currency(self, number: _Number) -> bool:
        if number.currency is None:
            return True
        # "$" is written for several dollars; accept it for any dollar currency in the facts.
        if number.currency == "USD":
            return any(c in self.currencies for c in ("USD", "CAD", "AUD")) or "$" in self.text
        return number.currency in self.currencies

    def has_date(self, date: _Date) -> bool:
        for year, month, day in self.dates:
            if month != date.month:
                continue
            if date.day is not None and day != date.day:
                continue
            if date.year is not None and year is not None and year != date.year:
                continue
            if date.year is not None and year is None:
                continue
            return True
        return False

    def has_word(self, word: str) -> bool:
        lowered = word.lower().replace("’", "'")
        base = re.sub(r"'s$", "", lowered)
        return lowered in self.words or base in self.words or base in _COMMON


def untraceable(output: str, evidence: Evidence, parsed: _Parsed | None = None) -> list[Claim]:
    """Every claim in ``output`` the evidence does not support (empty: the text is grounded).

    ``parsed`` is ``parse(output)`` when the caller already has it.
    """
    if parsed is None:
        parsed = _parse(output)
    problems: list[Claim] = []
    for link in parsed.links:
        if canonical(link) not in evidence.links and link.lower() not in evidence.text:
            problems.append(Claim("link", link))
    for channel in parsed.channels:
        if channel.lower() not in evidence.text:
            problems.append(Claim("channel", channel))
    for identifier in parsed.identifiers:
        if identifier.lower() not in evidence.identifiers | _COMMON:
            problems.append(Claim("identifier", identifier))
    for date in parsed.dates:
        if not evidence.has_date(date):
            problems.append(Claim("date", date.text))
    for number in parsed.numbers:
        if not (evidence.has_number(number) and evidence.has_currency(number)):
            problems.append(Claim("percent" if number.percent else "number", number.text))
    words = parsed.words
    for index, (word, starts_sentence) in enumerate(words):
        if not word[0].isupper():
            continue
        # A sentence's first word is capitalised anyway; it names something only when the
        # next word is capitalised too ("Bloom Studio asked…").
        next_is_name = (
            index + 1 < len(words) and words[index + 1][0][0].isupper() and not words[index + 1][1]
        )
        if starts_sentence and not next_is_name:
            continue
        if not evidence.has_word(word):
            problems.append(Claim("name", word))
    return _unique(problems)


def dropped(
    output: str,
    draft: str,
    *,
    parsed_output: _Parsed | None = None,
    evidence: Evidence | None = None,
) -> list[Claim]:
    """Figures and dates of the draft the output no longer states (a re-phrasing keeps them).

    ``parsed_output`` is ``parse(output)`` and ``evidence`` the :class:`Evidence` built from
    this ``draft``, when the caller already has them: each text is then parsed only once.
    """
    kept = Evidence.of_text(output, _parse(output) if parsed_output is None else parsed_output)
    same_draft = evidence is not None and evidence.draft == draft
    parsed = evidence.parsed_draft if evidence is not None and same_draft else _parse(draft)
    missing = [Claim("date", d.text) for d in parsed.dates if not kept.has_date(d)]
    missing += [Claim("number", n.text) for n in parsed.numbers if not kept.has_number(n)]
    return _unique(missing)


def _unique(claims: list[Claim]) -> list[Claim]:
    return list(dict.fromkeys(claims))  # first occurrences, in order


def parse(text: str) -> _Parsed:
    """Every claim ``text`` makes, read once, for :func:`untraceable` and :func:`dropped`."""
    return _parse(text)


def check(output: str, facts: Mapping[str, Any], draft: str) -> list[Claim]:
    """Shorthand for ``untraceable(output, Evidence(facts, draft))``."""
    return untraceable(output, Evidence(facts, draft))


__all__ = [
    "Claim",
    "Evidence",
    "check",
    "dropped",
    "parse",
    "strip_mentions",
    "untraceable",
]
