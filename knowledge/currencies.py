"""Which three-letter codes are currencies: ISO 4217 as kept by the Unicode CLDR (via babel).

One list for the whole product (settings, rates typed in chat): a currency counts when some
territory uses it as legal tender today, so an unknown or retired code is a typo. A past project
may have been paid in a currency retired since (kuna, lev, litas), so the history accepts every
code that was legal tender at some point since :data:`HISTORY_SINCE`. It lives here, at the
bottom of the layers, because past projects carry a currency too.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from babel.core import get_global
from babel.numbers import get_territory_currencies

HISTORY_SINCE = dt.date(2000, 1, 1)


@cache
def currency_codes() -> frozenset[str]:
    """Every ISO 4217 code that is legal tender somewhere today (about 150)."""
    return _tender(dt.date.today())


@cache
def history_currency_codes() -> frozenset[str]:
    """Every code that was legal tender somewhere at some point since :data:`HISTORY_SINCE`."""
    return _tender(HISTORY_SINCE) | currency_codes()


def _tender(since: dt.date) -> frozenset[str]:
    today = dt.date.today()
    codes: set[str] = set()
    for territory in get_global("territory_currencies"):
        codes.update(
            get_territory_currencies(territory, start_date=since, end_date=today, tender=True)
        )
    return frozenset(codes)


def is_currency_code(code: str) -> bool:
    """``"EUR"`` yes, ``"eur"`` yes, ``"ABC"`` and the retired ``"DEM"`` no."""
    return code.strip().upper() in currency_codes()


__all__ = ["HISTORY_SINCE", "currency_codes", "history_currency_codes", "is_currency_code"]
