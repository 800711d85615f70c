"""A client update as a skill would hand it to the composer."""

from __future__ import annotations

from typing import Any

import pytest

from bot.compose import Composition

DRAFT = (
    "Hi Acme Bakery team,\n\n"
    "Bloom Studio storefront: 42.5h of the 120h budget used ($4,250 of $12,000). "
    "Checkout is done; next is the product pages. "
    "We are on track for 15 March 2026."
)

FACTS: dict[str, Any] = {
    "project": "Bloom Studio storefront",
    "client": "Acme Bakery",
    "hours_logged": 42.5,
    "budget_hours": 120,
    "spent": 4250,
    "budget": 12000,
    "currency": "USD",
    "due": "2026-03-15",
    "entries": [
        {"kind": "done", "text": "checkout works end to end with Stripe test cards"},
        {"kind": "next", "text": "product pages"},
    ],
}


@pytest.fixture
def update() -> Composition:
    return Composition(kind="client_update", tenant="T1", draft=DRAFT, facts=FACTS)
