"""Which separator a CSV file uses, read off its header row: one rule for every CSV Atelier reads.

Spreadsheets export with commas, with semicolons in locales whose decimal mark is a comma, or
with tabs. The separator is the candidate that occurs most often in the header outside quoted
names; a comma wins a tie, and a header with none of them (a single column) is comma-separated.
"""

from __future__ import annotations

import re

SEPARATORS = (",", ";", "\t")  # in order of preference on a tie
_QUOTED = re.compile(r'"(?:[^"]|"")*"')


def sniff_delimiter(header: str) -> str:
    """``"title;summary;hours"`` -> ``";"``; ``'"a,b";c'`` -> ``";"`` (quotes hide the comma)."""
    bare = _QUOTED.sub("", header)
    counts = {separator: bare.count(separator) for separator in SEPARATORS}
    best = max(SEPARATORS, key=lambda separator: counts[separator])  # first on a tie
    return best if counts[best] else ","


__all__ = ["SEPARATORS", "sniff_delimiter"]
