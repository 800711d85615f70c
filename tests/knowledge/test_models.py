"""PastProject validation: clear messages for impossible values, tidy values kept."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from knowledge.models import PastProject, stable_id


def make(**fields: object) -> PastProject:
    return PastProject(**{"id": "p1", "title": "Shop", "summary": "A web shop", **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"actual_hours": -1}, "actual_hours", "greater than or equal to 0"),
        ({"summary": "  "}, "summary", "at least 1 character"),
        ({"currency": "EURO"}, "currency", "unknown currency code"),
        (
            {"started": dt.date(2024, 5, 1), "finished": dt.date(2024, 4, 1)},
            "finished",
            "before started",
        ),
        ({"phases": {"build": -3}}, "phases", "negative hours"),
        ({"id": "has spaces"}, "id", "should match pattern"),
        ({"status": "paused"}, "status", "'active' or 'closed'"),
    ],
)
def test_impossible_values_are_named(fields: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as raised:
        make(**fields)
    error = raised.value.errors()[0]
    assert error["loc"][0] == field and words in error["msg"]


def test_values_are_tidied() -> None:
    project = make(
        type="E-Commerce",
        tags=["Shopify", "shopify", " Custom Theme "],
        currency="eur",
        phases={" Design ": 10},
        client=" ",
        lessons=["", " keep "],
    )
    assert project.type == "e-commerce"
    assert project.tags == ["shopify", "custom-theme"]
    assert project.currency == "EUR" and project.phases == {"design": 10.0}
    assert project.client is None and project.lessons == ["keep"]


def test_stable_ids_depend_on_title_client_and_start_only() -> None:
    first = stable_id("Coffee Shop", "Northwind", dt.date(2024, 1, 1))
    assert first == stable_id(" coffee shop ", "NORTHWIND", dt.date(2024, 1, 1))
    assert first != stable_id("Coffee Shop", "Northwind", dt.date(2024, 1, 2))
    assert first != stable_id("Coffee Shop", None, dt.date(2024, 1, 1))
    make(id=first)  # a valid id


def test_the_embedded_text_says_what_was_built() -> None:
    text = make(type="e-commerce", tags=["shopify"]).embedding_text()
    assert text == "Shop. e commerce. shopify. A web shop"
