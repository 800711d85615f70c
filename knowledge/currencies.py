"""Which three-letter codes are currencies: ISO 4217 as kept by the Unicode CLDR (via babel).

One list for the whole product (past projects, settings, rates typed in chat). A currency counts
when some territory uses it as legal tender today: an unknown or retired code is a typo, not a
currency. It lives here, at the bottom of the layers, because past projects carry a currency too.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from babel.core import get_global
from babel.numbers import get_territory_currencies


@cache
def currency_codes() -> frozenset[str]:
    """Every ISO 4217 code that is legal tender somewhere today (about 150)."""
    today = dt.date.today()
    codes: set[str] = set()
    for territory in get_global("territory_currencies"):
        codes.update(get_territory_currencies(territory, today, tender=True))
    return frozenset(codes)


def is_currency_code(code: str) -> bool:
    """``"EUR"`` yes, ``"eur"`` yes, ``"ABC"`` and the retired ``"DEM"`` no."""
    return code.strip().upper() in currency_codes()


__all__ = ["currency_codes", "is_currency_code"]
