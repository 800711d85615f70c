"""One filter for every text bound for a client: log entries, drafts, model-written text.

Each line is judged on its own (:func:`judge`): internal markers, rates and margins, other
clients' names. A line that leaks is withheld *whole* rather than redacted: a half-line such
as "client pays late, margin [redacted]" still tells the client too much, and the studio sees
every withheld line in its private notes. Internal parentheticals are the one exception: they
are cut and the rest of the line kept.

A line that is only a marker (``Internal notes:``, ``**internal**``) opens a block: the lines
after it are internal too, up to the next heading (``**Next**``, ``## Risks``) or a line the
caller says starts a new item. Pings are neutralised in whatever is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from bot.leaks._internal import (
    cut_internal_parentheticals,
    is_internal_normalised,
    is_marker_only_normalised,
)
from bot.leaks._money import mentions_rate_or_margin_normalised
from bot.leaks._names import NameGuard
from bot.leaks._normalise import normalise, strip_invisible, visible
from bot.mentions import neutralise_mentions

Reason = Literal["internal", "rate", "other_client"]
REASONS: dict[str, str] = {
    "internal": "internal",
    "rate": "mentions rates or margins",
    "other_client": "names another client",
}

_HEADING = re.compile(r"^\s*(?:#{1,6}\s+\S.*|[*_]{2}[^*_]+[*_]{2}\s*:?\s*)$")


@dataclass(frozen=True)
class Verdict:
    """What may be said of one line: its text for the client, or why it is withheld."""

    text: str  # the line as written, internal parentheticals cut ("" when withheld)
    reason: Reason | None = None
    trimmed: bool = False  # an internal parenthetical was cut

    @property
    def kept(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class Withheld:
    """A line kept out of client text (line numbers from 1); ``text`` is for the studio only."""

    line: int
    reason: Reason
    text: str


@dataclass(frozen=True)
class Filtered:
    text: str  # safe for a client
    withheld: tuple[Withheld, ...]
    trimmed: int = 0  # lines that lost an internal parenthetical


class LeakFilter:
    """The rules for one client-bound text.

    ``other_clients`` are the tenant's other clients (never to be named); ``own_names`` are the
    names this text may use freely (its project and client), so a project called "Profit
    Garden" can still be named in its own update.
    """

    def __init__(self, other_clients: Iterable[str] = (), own_names: Iterable[str] = ()) -> None:
        own = tuple(name for name in own_names if name and name.strip())
        self._own = tuple(sorted({visible(n).strip() for n in own}, key=len, reverse=True))
        self._names = NameGuard(other_clients, allowed=self._own)
        self._own_patterns = tuple(
            re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE) for name in self._own
        )

    def _without_own_names(self, line: str) -> str:
        judged = visible(line)
        for pattern in self._own_patterns:
            judged = pattern.sub(" ", judged)
        return judged

    def judge(self, line: str) -> Verdict:
        """The verdict on one line on its own (no block context)."""
        text, trimmed = cut_internal_parentheticals(line)
        # Normalised once: every rule below judges the same form of the line.
        judged = normalise(self._without_own_names(text))
        if is_internal_normalised(judged):
            return Verdict("", "internal", trimmed)
        if mentions_rate_or_margin_normalised(judged):
            return Verdict("", "rate", trimmed)
        if self._names.names_other_client_normalised(judged):
            return Verdict("", "other_client", trimmed)
        return Verdict(text, None, trimmed)

    def judge_lines(
        self, text: str, *, starts_item: Callable[[str], bool] | None = None
    ) -> list[Verdict]:
        """A verdict per line of ``text``, with internal blocks carried over."""
        verdicts: list[Verdict] = []
        in_block = False
        for line in text.splitlines() or [""]:
            if not line.strip():
                verdicts.append(Verdict(line))
                continue
            normalised = normalise(line)
            if in_block and (_HEADING.match(strip_invisible(line)) or (
                starts_item is not None and starts_item(line)
            )) and not is_internal_normalised(normalised):
                in_block = False
            if in_block:
                verdicts.append(Verdict("", "internal", False))
                continue
            if is_marker_only_normalised(normalised):
                in_block = True
                verdicts.append(Verdict("", "internal", False))
                continue
            verdicts.append(self.judge(line))
        return verdicts

    def leaks(self, text: str) -> list[tuple[int, Reason]]:
        """``(line number, reason)`` for every line of ``text`` that must not reach a client."""
        return [
            (number, verdict.reason)
            for number, verdict in enumerate(self.judge_lines(text), 1)
            if verdict.reason is not None
        ]

    def clean(self, text: str) -> Filtered:
        """``text`` with every leaking line withheld and pings neutralised."""
        if not text.strip():
            return Filtered(text, ())
        lines = text.splitlines()
        kept: list[str] = []
        withheld: list[Withheld] = []
        trimmed = 0
        verdicts = self.judge_lines(text)
        for number, (line, verdict) in enumerate(zip(lines, verdicts, strict=True), 1):
            if verdict.reason is not None:
                withheld.append(Withheld(number, verdict.reason, line))
                continue
            trimmed += verdict.trimmed
            kept.append(verdict.text)
        cleaned = "\n".join(kept)
        if not withheld and not trimmed:
            cleaned = text  # untouched, down to the trailing newline
        return Filtered(neutralise_mentions(cleaned), tuple(withheld), trimmed)


__all__ = ["REASONS", "Filtered", "LeakFilter", "Reason", "Verdict", "Withheld"]
