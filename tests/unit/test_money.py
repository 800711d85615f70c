"""Money as people type it and as Atelier writes it: one reader, one writer, the CLDR's data."""

from __future__ import annotations

import pytest

from bot import money
from bot.errors import InvalidInput
from bot.leaks import mentions_rate_or_margin
from bot.money import (
    Money,
    UnknownCurrency,
    currency_code,
    format_compact,
    format_money,
    format_rate,
    parse_money,
    require_currency,
)
from knowledge.currencies import currency_codes, is_currency_code


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("€90/h", Money(90.0, "EUR", per_hour=True)),
        ("90 EUR", Money(90.0, "EUR")),
        ("CHF 120", Money(120.0, "CHF")),
        ("120 francs", Money(120.0, "CHF")),
        ("120 Swiss francs", Money(120.0, "CHF")),
        ("CA$95 per hour", Money(95.0, "CAD", per_hour=True)),
        ("1.234,50 €", Money(1234.5, "EUR")),
        ("1,234.50 USD", Money(1234.5, "USD")),
        ("₹800", Money(800.0, "INR")),
        ("90 eur", Money(90.0, "EUR")),
        ("-5", Money(-5.0, None)),
        ("75", Money(75.0, None)),
    ],
)
def test_amounts_in_the_spellings_people_type(typed: str, expected: Money) -> None:
    assert parse_money(typed) == expected


@pytest.mark.parametrize("typed", ["90 ABC", "120 zorkmids", "ABC 90"])
def test_an_unknown_currency_is_named_in_a_friendly_error(typed: str) -> None:
    with pytest.raises(UnknownCurrency) as refused:
        parse_money(typed)
    message = str(refused.value)
    assert "I don't know the currency" in message and "ISO 4217" in message and "EUR" in message


@pytest.mark.parametrize("typed", ["ABC", "", "ninety", "120 EUR for the big website", "12 34"])
def test_what_is_not_an_amount_is_refused_plainly(typed: str) -> None:
    with pytest.raises(InvalidInput, match="as an amount"):
        parse_money(typed)


def test_currency_codes_come_from_the_cldr() -> None:
    assert {"USD", "EUR", "GBP", "CHF", "JPY", "INR", "SEK"} <= currency_codes()
    assert not is_currency_code("ABC") and not is_currency_code("DEM")  # unknown, retired
    assert require_currency("eur") == "EUR" and currency_code("dollars") == "USD"
    with pytest.raises(UnknownCurrency, match="`ABC`"):
        require_currency("ABC")
    # In running text a code counts in capitals only: "in php" is a language.
    assert currency_code("php", any_case=False) is None and currency_code("PHP") == "PHP"


def test_amounts_are_written_as_the_locale_writes_them() -> None:
    assert format_money(1260, "EUR") == "€1,260" and format_money(1260.5, "USD") == "$1,260.50"
    assert format_money(1260, "CHF") == "CHF 1,260"  # a letter symbol keeps its space
    assert format_money(1260, "EUR", "de_DE") == "1.260\xa0€"
    assert format_money(1234.4, "JPY") == "¥1,234"  # no cents in yen
    assert format_money(12_400.4, "GBP", cents=False) == "£12,400"
    assert format_money(320, "EUR", cents=True) == "€320.00"
    assert format_compact(13_626, "EUR") == "€14k" and format_compact(9600, "EUR") == "€9.6k"
    assert format_compact(2_500_000, "GBP") == "£2.5M" and format_compact(850, "CHF") == "CHF 850"
    assert format_rate(92.5, "SEK") == "SEK 92.50/h" and format_rate(100, "USD") == "$100/h"


@pytest.mark.parametrize(
    "line",
    [
        "we bill 95 zlotys per hour",
        "₹800/h for the team",
        "₩90000 per day",
        "CA$95/h",
        "rate SEK 900",
        "120 francs an hour",
        "95 rupees an hour",
        "our rate is 95 PLN",
        "ninety-five euros an hour",
    ],
)
def test_the_leak_filter_sees_money_in_every_currency(line: str) -> None:
    assert mentions_rate_or_margin(line), line


@pytest.mark.parametrize(
    ("brief", "named"),
    [
        ("a shop, about 5k euros", True),
        ("a shop for 5000 chf", True),
        ("a shop, CA$900 max", True),
        ("a shop with 10 top products", False),  # a code that is also a word counts in capitals
        ("a shop with 12 pages", False),
    ],
)
def test_a_brief_that_names_an_amount_answers_the_budget_question(brief: str, named: bool) -> None:
    from bot.scoping.questions import RULES

    budget = next(rule for rule in RULES if rule.topic == "budget")
    assert bool(budget.answered.search(brief)) is named


def test_past_projects_may_be_priced_in_a_currency_retired_since() -> None:
    from knowledge.models import PastProject

    kept = PastProject(id="p-1", title="Zagreb shop", summary="Shop", currency="hrk", price=9000)
    assert kept.currency == "HRK"  # the kuna, replaced by the euro in 2023
    with pytest.raises(ValueError, match="unknown currency code"):
        PastProject(id="p-2", title="Shop", summary="Shop", currency="ABC")
    assert not is_currency_code("HRK")  # but no new rate is set in it


def test_thousands_as_people_abbreviate_them() -> None:
    assert parse_money("8k") == Money(8000.0, None)
    assert parse_money("€8k") == Money(8000.0, "EUR")
    assert parse_money("2.5k CHF") == Money(2500.0, "CHF")


def test_compact_amounts_are_babels_own_formatting_with_the_patterns_parsed_once() -> None:
    from babel.numbers import format_decimal

    def by_babel(amount: float, locale: str) -> str:  # what format_compact wrote before
        if amount >= 1_000_000:
            return format_decimal(amount / 1_000_000, "#,##0.#", locale=locale) + "M"
        if amount >= 10_000:
            return format_decimal(round(amount / 1000), "#,##0", locale=locale) + "k"
        if amount >= 1000:
            return format_decimal(amount / 1000, "#,##0.#", locale=locale) + "k"
        return format_decimal(round(amount), "#,##0", locale=locale)

    for locale in ("en_US", "de_DE", "fr_CH", "hi_IN", "ar_EG"):
        for amount in (0, 0.4, 7, 849.5, 999.6, 1000, 1250, 9_949, 9_951, 12_345, 999_999, 1.26e6):
            number = by_babel(amount, locale)
            assert format_compact(amount, "EUR", locale) == money._place(number, "EUR", locale)
