"""Other clients' names: a client must never read who else the studio works for.

A name is matched as whole words on the normalised text, so ``**Nordlys**``, ``NORDLYS`` and
``Nordlys's`` all count. Legal and generic suffixes are dropped to find a name's core
("Zephyr Holdings" → "zephyr"), so the bare core counts too. Names of two characters or less
are skipped (too many false alarms), and so is any name that is also one of the names this
text may use (its own client and project).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.leaks._normalise import normalise

_SUFFIX_WORDS = """
    inc inc. corp corp. co co. ltd ltd. llc llp plc gmbh ag sa sas sarl bv nv oy ab as aps
    kg ug srl spa pty group holdings holding studio studios agency company limited partners
    & and the"""
_SUFFIXES = frozenset(_SUFFIX_WORDS.split())
MIN_NAME_CHARS = 3


def _forms(name: str) -> set[str]:
    """The normalised ways a name shows up in text: whole, and its core without suffixes."""
    whole = normalise(name).strip(" .,;:!?\"'")
    forms = {whole} if len(whole) >= MIN_NAME_CHARS else set()
    words = whole.split()
    core = [w for w in words if w not in _SUFFIXES]
    if core and len(core) < len(words):
        forms.add(" ".join(core))
    return {form for form in forms if len(form) >= MIN_NAME_CHARS}


class NameGuard:
    """Finds other clients' names in text; the names allowed here are never flagged."""

    def __init__(self, withheld: Iterable[str], allowed: Iterable[str] = ()) -> None:
        allowed_forms: set[str] = set()
        allowed_words: set[str] = set()
        for name in allowed:
            if name:
                allowed_forms |= _forms(name) | {normalise(name)}
                allowed_words |= set(normalise(name).split())
        forms: set[str] = set()
        for name in withheld:
            if not name or not name.strip():
                continue
            for form in _forms(name):
                if form in allowed_forms or form in allowed_words:
                    continue  # "Acme" is this text's own client as well
                if any(form in own for own in allowed_forms):
                    continue
                forms.add(form)
        self.forms = tuple(sorted(forms, key=len, reverse=True))
        self._pattern = (
            re.compile(r"(?<![\w])(?:" + "|".join(map(re.escape, self.forms)) + r")(?![\w])")
            if self.forms
            else None
        )

    def names_other_client(self, text: str) -> bool:
        return self._pattern is not None and self._pattern.search(normalise(text)) is not None

    def names_other_client_normalised(self, judged: str) -> bool:
        """:meth:`names_other_client` on text already :func:`normalise`-d."""
        return self._pattern is not None and self._pattern.search(judged) is not None


__all__ = ["NameGuard"]
