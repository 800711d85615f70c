"""Rates, margins and what the studio keeps: never for a client's eyes.

Judged on the normalised line. What counts:

- money per unit of time, in any order and spelling: ``€95/h``, ``$95/hour``, ``95 EUR hourly``,
  ``€760 daily``, ``95 eur/std``, ``95€ p/h``, ``$90 an hour``, ``95/hrs``, ``95 per hour``;
- a rate with a figure (``rate €95``, ``bill rate 95``, ``rate: 95``), or a kind of rate
  (``day rate``, ``hourly rate``, ``rate card``, ``our rates``, ``Stundensatz``, ``TJM``);
- a margin with a figure (``margin 30%``, ``30% margin``, ``Marge 30%``, ``margin of €2k``) or
  words (``our margin``, ``profit margin``, ``margins are thin``);
- the same written in words ("ninety-five euros an hour", "a margin of thirty percent");
- ``profit``, ``mark-up`` (and ``markup`` with a figure or on something), ``cost price``,
  ``at cost``, ``our costs``, ``underquoted``, ``padded the estimate``, salaries.

Look-alikes from web work stay allowed: "rate limiting", "conversion rate 3%", "margin of the
header set to 30px", "margin: 16px", "HTML markup cleaned up", "non-profit". The trade-off is
deliberate: a false alarm keeps a harmless line in the private notes (the studio sees it and
can re-log it), a miss shows a rate to a client.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from bot.leaks._normalise import normalise
from bot.money import WORDLIKE_CODES, WORDLIKE_NAMES, names
from bot.number_words import words_to_digits
from knowledge.currencies import currency_codes

# Currencies in every spelling, from the CLDR (bot.money) rather than a list kept here: any
# currency sign (Unicode category Sc: "$", "€", "₹", "₩"…), any ISO 4217 code, and every word a
# currency is called ("euros", "francs", "rupees", "zlotys"), as the judged form writes them.
# Left out: codes and names that are everyday English next to a figure ("top 5 a day",
# "php 8 a day ago", "won 3 per week"), where a currency is not what anyone means
# (bot.money.WORDLIKE_CODES and WORDLIKE_NAMES).
_NOT_MONEY = {code.lower() for code in WORDLIKE_CODES} | WORDLIKE_NAMES
_LOCAL_SPELLINGS = ("sfr", "kr")  # Swiss francs and crowns as people write them, not in CLDR


def _judged(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _alternation(words: Iterable[str]) -> str:
    kept = {w for w in words if w not in _NOT_MONEY}
    return "(?:" + "|".join(re.escape(w) for w in sorted(kept, key=len, reverse=True)) + ")"


# Every currency sign in use sits in the Basic Multilingual Plane (scanning it takes ~10 ms).
_SIGNS = "".join(ch for ch in map(chr, range(0x10000)) if unicodedata.category(ch) == "Sc")
_SYMBOL = "[" + re.escape(_SIGNS) + "]"
_CODE = _alternation(code.lower() for code in currency_codes())
_WORD = _alternation([_judged(name.split()[-1]) for name in names()] + list(_LOCAL_SPELLINGS))
_NUM = r"\d[\d,.']{0,15}(?:\s?k)?"
_MONEY = rf"(?:{_SYMBOL}\s?{_NUM}|{_CODE}\s?{_NUM}|{_NUM}\s?(?:{_SYMBOL}|{_CODE}\b|{_WORD}\b))"
_TIME = r"(?:h|hr|hrs|hour|hours|std|stunde|stunden|tag|d|day|days|jour|j|heure|wk|week)"
_PER = rf"(?:\s*/\s*{_TIME}\b|\s*p/?h\b|\s+(?:per|an?|the|each|every|pro|par|la|le)\s+{_TIME}\b)"
_CSS_LENGTH = r"(?:px|em|rem|pt|vh|vw|ch|cm|mm|dp|sp)\b"
_DIGITS = r"[\d,.']{0,15}"  # a figure's digits and separators, bounded (no backtracking blow-up)
_FIGURE = rf"(?:{_SYMBOL}\s?)?-?\d{_DIGITS}(?:\s?k)?(?!\d|{_DIGITS}\s*(?:%|percent|{_CSS_LENGTH}))"

_RULES = (
    # Money per time, and figures per time without a currency.
    rf"{_MONEY}{_PER}",
    rf"{_MONEY}\s*(?:hourly|daily|weekly|per\s+diem|/\s*h)",
    rf"(?<![\w/]){_NUM}\s*/\s*(?:h|hr|hrs|hour|std|stunde|tag|day)\b",
    rf"(?<![\w/.]){_NUM}\s+(?:per|an?|pro|par)\s+(?:hour|hr|h|day|stunde|heure|jour)\b",
    rf"(?<![\w/.]){_NUM}\s+hourly\b",
    # Rates.
    r"\b(?:hourly|daily|day|bill(?:ing|able)?|blended|charge(?:-?out)?|cost|freelance"
    r"|contractor|agency|studio|internal|standard|base|sell(?:ing)?|buy(?:ing)?|our|my|his"
    r"|her|their|your|new|old|special|discounted|mates|friends?)\s+rates?\b",
    r"\brate\s*cards?\b|\b(?:day|hourly)-rates?\b|\bper\s+hour\s+rate\b",
    rf"\brates?\s*(?:of|is|are|was|at|=|:|@|~|≈|about|around|roughly|now|went\s+up\s+to)?"
    rf"\s*(?:{_CODE}\s?)?{_FIGURE}(?!\s*(?:fps|hz|khz|mhz|ms|s|rpm|req|requests|calls|/\s*s|x)\b)",
    rf"{_MONEY}\s+(?:rates?|hourly\s+rate|day\s+rate)\b",
    r"\b(?:stundensatz|stundensatze|tagessatz|tagessatze|stundenlohn|verrechnungssatz"
    r"|taux\s+(?:horaire|journalier)|tarif\s+(?:horaire|journalier)|tjm)\b",
    # Margins.
    r"\bmarg(?:ins?|en?|es)\b\s*(?:of|is|are|was|at|=|:|~|≈|de|von|around|about|roughly"
    r"|approx\.?|only|just|ca\.?|now|down\s+to|up\s+to)?\s*[~≈]?\s*-?\d[\d.,]{0,15}\s*"
    r"(?:%|percent|pct|prozent|pour\s?cent|points?|pts?)",
    r"\d[\d.,]{0,15}\s*(?:%|percent|pct|prozent)\s*(?:gross\s+|net\s+|profit\s+|operating\s+)?"
    r"marg(?:ins?|en?|es)\b",
    rf"\bmargins?\s*(?:of|is|=|:)?\s*{_MONEY}",
    rf"\bmargins?\s*(?:of|is|=|:)?\s*-?\d{_DIGITS}(?!\d|{_DIGITS}\s*{_CSS_LENGTH}|{_DIGITS}\s*%)",
    r"\b(?:profit|gross|net|operating|contribution|thin|low|lower|higher|high|good|great"
    r"|healthy|fat|slim|decent|poor|bad|negative|our|my|the\s+studio'?s|studio)\s+margins?\b",
    r"\bmargins?\s+(?:on|are|were|will|would|look|looks|shrink|shrank|drop|dropped|for\s+us)\b",
    rf"\bmargins?\s+(?:is|was)\b(?!\s*(?:now\s+|set\s+to\s+|at\s+)?\d[\d.,]{{0,15}}\s*{_CSS_LENGTH})",
    r"\b(?:gewinnmarge|gewinnspanne|handelsspanne|deckungsbeitrag|marge\s+(?:brute|nette))\b",
    # Profit, mark-ups, costs.
    r"(?<!non-)(?<!non )(?<!not-for-)\bprofit(?:s|able|ability|ably)?\b",
    r"\b(?:gewinn|benefice|benefices)\b",
    r"\bmark-ups?\b|\baufschlag\b",
    rf"\bmarkups?\s*(?:of|on|is|=|:|at|~|≈)?\s*[~≈]?\s*(?:{_SYMBOL}|{_CODE}\s?)?\d",
    r"\d[\d.,]{0,15}\s*(?:%|percent|pct)\s*markups?\b",
    r"\b(?:our|my|studio|agency|price|pricing|hardware|licen[cs]e|resale|reseller|material"
    r"|standard|usual|the\s+usual)\s+markups?\b|\bmarkups?\s+(?:on|for\s+us)\b",
    r"\bcost\s+prices?\b|\bat\s+cost\b|\bcost\s+(?:to\s+us|basis|rate)\b"
    r"|\b(?:our|my|internal|real|true|actual\s+internal)\s+costs?\b"
    r"|\bbuy(?:ing)?\s+prices?\b|\bprix\s+(?:de\s+revient|d'achat)\b|\beinkaufspreis\b"
    r"|\bselbstkosten\b",
    r"\bunder-?(?:quoted|priced|charged|bid)\b|\bover-?charg\w*|\bpadd(?:ed|ing)\b.{0,20}"
    r"\b(?:estimate|quote|hours|budget|invoice)\b|\bsalar(?:y|ies)\b|\bwages?\b|\bpayroll\b"
    r"|\bkick-?backs?\b",
)
_RATE_OR_MARGIN = re.compile("|".join(f"(?:{rule})" for rule in _RULES))
# A cheap necessary condition for any rule above, checked first: most lines of an update
# have none of these words, and no figure next to a time unit, so the 26 rules never run.
# Every rule needs one of the words, or a digit and one of the per-time forms.
_GATE_WORDS = re.compile(
    r"rate|satz|stundenlohn|taux|tarif|tjm|marg|spanne|deckungsbeitrag|profit|gewinn"
    r"|benefice|mark|aufschlag|cost|buy|prix|einkaufspreis|selbstkosten|under|over|padd"
    r"|salar|wage|payroll|kick"
)
_GATE_PER_TIME = re.compile(
    rf"/|ph\b|hourly|daily|weekly|diem|\s(?:per|an?|the|each|every|pro|par|la|le)\s+{_TIME}\b"
)
_DIGIT = re.compile(r"\d")


def _may_match(judged: str) -> bool:
    """False only when no rule of :data:`_RULES` can match ``judged``."""
    if _GATE_WORDS.search(judged):
        return True
    return _DIGIT.search(judged) is not None and _GATE_PER_TIME.search(judged) is not None


def mentions_rate_or_margin(text: str) -> bool:
    """Whether ``text`` (any spelling, any markdown) states a rate, a margin or a cost."""
    return mentions_rate_or_margin_normalised(normalise(text))


def mentions_rate_or_margin_normalised(judged: str) -> bool:
    """:func:`mentions_rate_or_margin` on text already :func:`normalise`-d."""
    judged = words_to_digits(judged)
    return _may_match(judged) and _RATE_OR_MARGIN.search(judged) is not None


__all__ = ["mentions_rate_or_margin", "mentions_rate_or_margin_normalised"]
