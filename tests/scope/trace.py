"""Tracing every number of a reply back to the facts it was computed from."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

# A figure as replies write it: "1,234", "9.6k", "62%", "1.33×"; not the digits inside a word.
NUMBER = re.compile(r"(?<![A-Za-z0-9.])(\d+(?:,\d{3})*(?:\.\d+)?)(?:\s?([kM])(?![A-Za-z]))?(%|×)?")
_MULTIPLIER = {"k": 1000.0, "M": 1_000_000.0, "%": 0.01}


def figures(text: str) -> list[tuple[str, float, float]]:
    """(as written, value, tolerance) of every number in ``text``; tolerance = half a last digit."""
    found = []
    for match in NUMBER.finditer(text):
        digits, scale, unit = match.group(1), match.group(2), match.group(3)
        number = float(digits.replace(",", ""))
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        multiplier = _MULTIPLIER.get(scale or "", 1.0) * _MULTIPLIER.get(unit or "", 1.0)
        tolerance = 0.5 * 10**-decimals * multiplier + 1e-9
        found.append((match.group(0), number * multiplier, tolerance))
    return found


def fact_numbers(facts: Any) -> list[float]:
    """Every number in the facts, including the numbers written inside their strings."""
    numbers: list[float] = []

    def walk(value: Any) -> None:
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, int | float):
            numbers.append(float(value))
        elif isinstance(value, str):
            numbers.extend(v for _, v, _ in figures(value))
        elif isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, Iterable):
            for item in value:
                walk(item)

    walk(facts)
    return numbers


def untraceable(text: str, facts: Any) -> list[str]:
    """The figures in ``text`` that no fact accounts for (empty when all are traceable)."""
    known = fact_numbers(facts)
    return [
        written
        for written, value, tolerance in figures(text)
        if not any(abs(value - fact) <= tolerance for fact in known)
    ]
