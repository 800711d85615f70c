"""What past change requests teach future estimates: how much similar projects grew."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def growth_note(projects: Sequence[Any]) -> str | None:
    """ "Similar projects grew by 12% through change requests …" from the analogues that were
    followed in Atelier with an estimate (their ``changes`` history); None without any."""
    known = [
        p.changes
        for p in projects
        if getattr(p, "changes", None) is not None and p.changes.growth is not None
    ]
    if not known:
        return None
    base = sum(c.base_hours for c in known)
    added = sum(c.approved_hours for c in known)
    approved = sum(c.approved for c in known)
    share = added / base if base else 0.0
    which = f"{len(known)} of the {len(projects)} similar past projects"
    if approved == 0:
        return f"Similar projects did not grow through change requests ({which} have a record)."
    plural = "s" if approved != 1 else ""
    return (
        f"Similar projects grew by {share:.0%} through change requests ({approved} approved "
        f"change{plural}, +{added:g} h, across {which} with a record). Plan for it, or agree "
        "how changes are priced up front."
    )


__all__ = ["growth_note"]
