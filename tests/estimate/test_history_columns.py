"""A history built from columns is the history built from its items, down to the fingerprint."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np

from bot.scoping.engine import past_history, past_items
from estimating import Engine, History, Knobs, PastItem, Query
from knowledge.demo import demo_projects


def _items() -> list[PastItem]:
    """Ties in order, unusable outcomes, every kind of guess, types and tags or none."""
    return [
        PastItem("a", "shop checkout", 10.0, guess=8.0, type="shop", tags=("shopify",), order=3),
        PastItem("b", "blog theme", 4.5, guess=None, order=1),
        PastItem("c", "forum", math.nan, guess=3.0, order=2),  # not usable
        PastItem("d", "landing page", -1.0, order=0),  # not usable
        PastItem("e", "shop checkout again", 12.0, guess=0.0, type="shop", order=1),  # a tie
        PastItem("f", "brand identity", 30.0, guess=30.0, tags=("logo", "print", "logo"), order=5),
        PastItem("g", "", 0.0, guess=-2.0, type="", tags=(), order=4),
    ]


def _from_columns(items: list[PastItem]) -> History:
    return History.from_columns(
        ids=[item.id for item in items],
        texts=[item.text for item in items],
        actual=[item.actual for item in items],
        guesses=[item.guess for item in items],
        types=[item.type for item in items],
        tags=[item.tags for item in items],
        orders=[item.order for item in items],
    )


def _same(columns: History, items: History) -> None:
    assert len(columns) == len(items)
    assert columns.ids == items.ids and columns.texts == items.texts
    np.testing.assert_array_equal(columns.actual, items.actual)
    np.testing.assert_array_equal(columns.guess, items.guess)
    assert columns.index == items.index
    assert columns.fingerprint == items.fingerprint
    assert columns.has_metadata == items.has_metadata
    np.testing.assert_array_equal(columns.types, items.types)
    np.testing.assert_array_equal(columns.categories, items.categories)
    np.testing.assert_array_equal(columns.tag_counts, items.tag_counts)
    assert columns.tagged.keys() == items.tagged.keys()
    for tag, row in items.tagged.items():
        np.testing.assert_array_equal(columns.tagged[tag], row)
    assert columns.embeddings is None and items.embeddings is None
    for start, end in ((0, 2), (1, len(items)), (len(items), len(items))):
        assert columns.item_range(start, end) == items.items[start:end]
    assert columns.items == items.items  # made on demand, equal field by field


def test_columns_give_the_history_of_their_items() -> None:
    items = _items()
    _same(_from_columns(items), History(items))
    assert History(items).ids == ["b", "e", "a", "g", "f"]  # oldest first, ties as given


def test_an_empty_history_from_columns() -> None:
    _same(_from_columns([]), History([]))
    _same(_from_columns(_items()[2:4]), History(_items()[2:4]))  # nothing usable


def test_a_tenants_projects_give_the_same_history_and_estimates_either_way() -> None:
    projects = demo_projects()
    closed: list[Any] = [p for p in projects if p.status == "closed"]
    # One more with an estimate of zero and one without hours: they are read the same way.
    closed += [
        SimpleNamespace(**{**vars(closed[0]), "id": "zero-guess", "estimated_hours": 0}),
        SimpleNamespace(**{**vars(closed[1]), "id": "no-hours", "actual_hours": None}),
    ]
    knobs = Knobs(k=4, min_similarity=0.0)
    query = Query("a Shopify store with a custom theme", guess=60.0, type="ecommerce")
    columns, items = past_history(closed), History(past_items(closed))
    estimate = Engine(columns, knobs).estimate(query)
    assert columns._items is None  # an answer reads the columns only
    assert estimate == Engine(items, knobs).estimate(query)
    _same(columns, items)
