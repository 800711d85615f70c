"""Phase breakdown: the analogues' phase splits, weighted by similarity, applied to the P50."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

MAX_PHASES = 6  # more rows than this is noise in a chat reply; the rest becomes "other"


@dataclass(frozen=True)
class Phase:
    name: str
    share: float  # 0..1 of the total effort
    hours: float  # share x the P50 estimate
    sources: int  # how many analogues had this phase


_SEPARATORS = re.compile(r"[\s_-]+")


@lru_cache(maxsize=4096)  # module-level on purpose: pure, and the same few phase names recur
def _phase_name(name: str) -> str:
    return _SEPARATORS.sub(" ", name.strip().lower())


def phase_breakdown(
    splits: Sequence[tuple[Mapping[str, float], float]], total_hours: float
) -> list[Phase]:
    """``splits`` are (phase name -> hours, similarity) per analogue.

    Each analogue's split becomes shares of its own total, so big and small projects count by
    similarity only; a phase an analogue lacks counts as a zero share for it.
    """
    usable = []
    for phases, weight in splits:
        clean: dict[str, float] = {}
        for name, hours in phases.items():
            if hours is not None and hours > 0 and (key := _phase_name(name)):
                clean[key] = clean.get(key, 0.0) + float(hours)
        if clean and weight > 0:
            usable.append((clean, float(weight)))
    if not usable or total_hours <= 0:
        return []
    total_weight = sum(weight for _, weight in usable)
    shares: dict[str, float] = {}
    sources: dict[str, int] = {}
    for phases, weight in usable:
        project_total = sum(phases.values())
        for name, hours in phases.items():
            shares[name] = shares.get(name, 0.0) + weight * hours / project_total / total_weight
            sources[name] = sources.get(name, 0) + 1
    ranked = sorted(shares.items(), key=lambda item: (-item[1], item[0]))
    kept, rest = ranked[:MAX_PHASES], ranked[MAX_PHASES:]
    result = [Phase(name, share, share * total_hours, sources[name]) for name, share in kept]
    if rest:
        share = sum(s for _, s in rest)
        count = len({n for n, _ in rest})
        result.append(Phase("other", share, share * total_hours, count))
    return result
