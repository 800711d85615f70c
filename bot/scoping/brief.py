"""Reading a brief: the overrides people type along with it (rate, currency, their own guess).

"How long would a Shopify store take at €90/h? I think 60h" becomes the brief
"How long would a Shopify store take?", rate 90, currency EUR and a guess of 60 hours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import InvalidInput
from bot.money import (
    PER_HOUR,
    WORDLIKE_CODES,
    UnknownCurrency,
    currency_code,
    parse_money,
    symbol_pattern,
    symbols,
)
from bot.scoping.vagueness import informative_words

MAX_RATE = 100_000.0  # an hourly rate above this is a typo, not a price

_NUMBER = r"(?P<amount>\d{1,6}(?:[.,]\d{1,2})?)"
# Symbols and codes come from the CLDR (bot.money); a word after a figure counts only when it
# names a currency ("120 EUR per hour", "90 francs an hour"), never "rate 120 and".
_SYMBOL = rf"(?P<symbol>{symbol_pattern()})"
_CODE = r"(?P<code>[A-Za-z]{3,7})"
_PER_HOUR = rf"\s*{PER_HOUR}"

# "rate 120", "rate: 120 EUR", "rate of €90", "hourly rate 120"
_RATE_WORD = re.compile(
    rf"\b(?:hourly\s+)?rate(?:\s+of|\s+is|:)?\s*{_SYMBOL}?\s*{_NUMBER}(?:\s*{_CODE}\b)?"
    rf"(?:{_PER_HOUR})?",
    re.IGNORECASE,
)
# "at $120/h", "€90/h", "90 €/h", "120 EUR per hour", "$120 an hour"
_AT = r"(?:\bat\s+)?(?:[~≈]\s*)?"  # "at", "at ~", "~"
_RATE_SYMBOL_FIRST = re.compile(rf"{_AT}{_SYMBOL}\s*{_NUMBER}{_PER_HOUR}", re.IGNORECASE)
# "CHF 120/h", "at EUR 90 per hour": the code first, as the CLDR writes some currencies
_RATE_CODE_FIRST = re.compile(rf"{_AT}\b{_CODE}\s*{_NUMBER}{_PER_HOUR}", re.IGNORECASE)
_RATE_AMOUNT_FIRST = re.compile(
    rf"{_AT}{_NUMBER}\s*(?:{_SYMBOL}|{_CODE}\b)?{_PER_HOUR}", re.IGNORECASE
)
# "in EUR", "in euros", "in Swiss francs"
_IN_CURRENCY = re.compile(r"\bin\s+(?P<word>(?:[A-Za-z]{2,12}\s)?[A-Za-z]{3,10})\b", re.IGNORECASE)
# "I think 60h", "my guess is 60 hours", "I'd say about 60 hrs", "I estimate ~60h"
_GUESS = re.compile(
    r"\b(?:i\s+think|i\s+guess|i'?d\s+say|i\s+would\s+say|i\s+estimate|my\s+guess\s+is|"
    r"my\s+estimate\s+is|my\s+gut\s+says)\b[^0-9\n]{0,30}?"
    r"(?P<hours>\d{1,5}(?:[.,]\d{1,2})?)\s*(?:h|hrs?|hours?)\b",
    re.IGNORECASE,
)
# The shorter ways people put a figure on the work: "~25 hours", "≈ 40h", "roughly 60 hrs",
# "about 30h", "should take 20 hours", "est. 50h", "ballpark 80h". Hours that describe the
# deliverable or a schedule ("about 3 hours of video", "20 hours a week", "a 2-hour workshop",
# "within 48 hours") are not a guess.
_GUESS_SHORT = re.compile(
    r"(?:(?<![\w~≈])[~≈]\s*|\b(?:about|around|roughly|approx(?:\.|imately)?|maybe|probably|"
    r"ballpark|est\.|estimated?:?|guess:|should\s+take|would\s+take|will\s+take|takes)\s+"
    r"(?:[~≈]\s*)?)(?P<hours>\d{1,5}(?:[.,]\d{1,2})?)\s*(?:h|hrs?|hours?)\b"
    r"(?!\s+(?:of\s+(?:video|audio|footage|content|recordings?|music|training|support|calls?)|"
    r"(?:a|an|per|each|every)\s+(?:day|week|month|year|sprint)|long\b|"
    r"(?:of\s+)?(?:support|turnaround|response|delivery|window)))",
    re.IGNORECASE,
)


# The question around a brief asked in plain words: "how long would … take?", "what would … cost?"
_VERB = r"(?:would|will|does|did|might|could|should)"
_BUILD = (
    r"(?:it\s+(?:take|cost)\s+(?:me\s+|us\s+)?(?:to\s+(?:build|make|do|create|design)\s+|to\s+)?)?"
)
_LEAD_IN = re.compile(
    r"^(?:(?:hey|hi|ok|so)[\s,]+)?(?:(?:can|could|would)\s+you\s+)?(?:please\s+)?"
    rf"(?:how\s+long\s+{_VERB}\s+{_BUILD}|how\s+much\s+{_VERB}\s+{_BUILD}|"
    rf"how\s+many\s+hours\s+{_VERB}\s+{_BUILD}|what\s+{_VERB}\s+{_BUILD}|"
    r"(?:give\s+me\s+)?(?:an?\s+)?(?:estimate|quote|ballpark|scope)\s+(?:for|of|on)\s+)",
    re.IGNORECASE,
)
_TRAILER = re.compile(
    r"\s+(?:take|cost|be|run)(?:\s+(?:me|us))?(?:\s+to\s+(?:build|make|do))?\s*([?.!]*)$",
    re.IGNORECASE,
)


def strip_question(text: str) -> str:
    """ "How long would a Shopify store take?" -> "a Shopify store"; other text unchanged."""
    lead = _LEAD_IN.match(text)
    if not lead or lead.end() == 0:
        return text
    rest = text[lead.end() :]
    rest = _TRAILER.sub("", rest).rstrip(" ?.!")
    if rest.lower() in {"it", "this", "that"} or not re.search(r"[^\W\d_]{2}", rest):
        return text  # nothing left to scope: keep the question as it was asked
    return rest


@dataclass(frozen=True)
class ParsedBrief:
    """A brief with the overrides taken out of it."""

    brief: str
    rate: float | None = None
    currency: str | None = None
    guess_hours: float | None = None


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _written_code(word: str) -> str | None:
    """A currency written next to a figure; a code that is also a word ("php", "top") counts
    only in capitals."""
    return currency_code(word, any_case=word.upper() not in WORDLIKE_CODES)


def check_rate(rate: float) -> float:
    if not 0 < rate <= MAX_RATE:
        raise InvalidInput(
            f"An hourly rate must be above 0 and at most {MAX_RATE:,.0f}; "
            f"I read {rate:g}. Try e.g. `rate 120` or `at €90/h`."
        )
    return rate


def parse_brief(text: str) -> ParsedBrief:
    """Take the rate, currency and guess out of a brief; the rest is the brief itself."""
    rate: float | None = None
    currency: str | None = None
    guess: float | None = None
    spans: list[tuple[int, int]] = []

    found = _GUESS.search(text) or _GUESS_SHORT.search(text)
    if found:
        guess = _number(found.group("hours"))
        spans.append(found.span())

    for pattern in (_RATE_WORD, _RATE_SYMBOL_FIRST, _RATE_CODE_FIRST, _RATE_AMOUNT_FIRST):
        found = pattern.search(text)
        if not found or any(start <= found.start() < end for start, end in spans):
            continue
        groups = found.groupdict()
        code = groups.get("code")
        if code and _written_code(code) is None:
            continue  # "rate 120 and", "php 90/h" — not a currency, not our pattern
        rate = check_rate(_number(groups["amount"]))
        if groups.get("symbol"):
            currency = symbols()[groups["symbol"]]
        elif code:
            currency = _written_code(code)
        spans.append(found.span())
        break

    for found in _IN_CURRENCY.finditer(text):
        # Running text: "in php" or "in cad" is a tool; a code counts in capitals ("in CAD").
        word = found.group("word")
        if word.split()[0].upper() in WORDLIKE_CODES:
            continue  # "in PHP", "in ALL browsers": a language, a word
        code = currency_code(word, any_case=False)
        start = found.start()
        if code is None and " " in word:  # "in euros for…": the first word alone
            word = word.split()[0]
            code = currency_code(word, any_case=False)
        if code is not None:
            currency = code
            spans.append((start, start + found.group(0).index(word) + len(word)))
            break

    brief = text
    for start, end in sorted(spans, reverse=True):
        brief = brief[:start] + " " + brief[end:]
    brief = re.sub(r"\s+([?.!,;:])", r"\1", re.sub(r"\s{2,}", " ", brief)).strip(" ,;:-~≈")
    brief = re.sub(r"([?.!,;:])\1+", r"\1", brief)
    brief = strip_question(brief.strip())
    return ParsedBrief(brief=brief.strip(), rate=rate, currency=currency, guess_hours=guess)


# --- `/scope rate …` ------------------------------------------------------------------------

RATE_USAGE = (
    "`/scope rate` shows the rate, `/scope rate 120 EUR` sets it (also `rate €90`, "
    "`rate 90/h`), `/scope rate reset` goes back to the default."
)
_RATE_HEAD = re.compile(r"^\s*(?:hourly\s+)?rate\b\s*[:=]?\s*(?P<rest>.*?)\s*$", re.I | re.S)
_RATE_RESET = re.compile(r"^(?:reset|default|clear|unset|remove)[.!]?$", re.IGNORECASE)
# Words around the amount that change nothing: "rate of 120", "rate 120 EUR please".
_RATE_LEAD = re.compile(r"^(?:of|is|to)\s+", re.IGNORECASE)
_RATE_TAIL = re.compile(r"\s*,?\s*(?:please|thanks|thank\s+you)\s*[.!]?$", re.IGNORECASE)
_BRIEF_AFTER_RATE = 3  # this many informative words after "rate": a brief ("rate comparison…")


@dataclass(frozen=True)
class RateCommand:
    """`/scope rate …`: show (no amount), reset, or set an amount (and maybe a currency)."""

    reset: bool = False
    amount: float | None = None
    currency: str | None = None


def rate_command(text: str) -> RateCommand | None:
    """The rate sub-command in ``text``; None when ``text`` is a brief, not a rate command.

    Anything after "rate" that is neither an amount nor a brief is refused plainly, so that
    `/scope rate -5` or `/scope rate abc` is never priced as if it were a job.
    """
    head = _RATE_HEAD.match(text)
    if head is None:
        return None
    rest = head.group("rest")
    if not rest:
        return RateCommand()
    if _RATE_RESET.match(rest):
        return RateCommand(reset=True)
    value = _RATE_TAIL.sub("", _RATE_LEAD.sub("", rest))
    try:
        money = parse_money(value)
    except UnknownCurrency:
        raise  # "rate 120 zorkmids": an amount, in no currency we know
    except InvalidInput:
        words = [w for w in informative_words(rest) if not w.isdigit()]
        # "rate 120 EUR and more words" is a rate with junk after it; a brief never starts so.
        starts_with_amount = re.match(rf"^[-+−–]?\s*(?:{_SYMBOL})?\s*\d", rest) is not None
        if len(words) >= _BRIEF_AFTER_RATE and not starts_with_amount:
            return None  # "rate comparison site for insurance brokers": a brief
        shown = " ".join(rest.split())[:40].replace("`", "'")
        raise InvalidInput(f"I can't read `{shown}` as an hourly rate. {RATE_USAGE}") from None
    amount, currency = money.amount, money.currency
    check_rate(amount)
    return RateCommand(amount=amount, currency=currency)
