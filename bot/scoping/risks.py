"""Top risks: the lessons of the closest analogues, de-duplicated and cited."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

MAX_RISKS = 5
_SAME_LESSON = 0.6  # word-overlap (Jaccard) above which two lessons say the same thing
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "was",
        "were",
        "is",
        "are",
        "be",
        "been",
        "it",
        "its",
        "we",
        "our",
        "us",
        "they",
        "their",
        "this",
        "that",
        "too",
        "not",
        "no",
    ]
)


@dataclass
class Risk:
    text: str
    source_ids: list[str] = field(default_factory=list)
    best_similarity: float = 0.0


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOPWORDS)


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def top_risks(
    lessons: Sequence[tuple[str, Sequence[str], float]], limit: int = MAX_RISKS
) -> list[Risk]:
    """``lessons`` are (project id, its lessons, similarity), closest project first.

    Lessons that several analogues share rank first (a pattern, not an anecdote), then by the
    similarity of the closest project that reported them.
    """
    risks: list[tuple[Risk, frozenset[str]]] = []
    for project_id, texts, similarity in lessons:
        for raw in texts:
            text = " ".join(str(raw).split())
            if not text:
                continue
            words = _words(text)
            for risk, risk_words in risks:
                if risk.text.lower() == text.lower() or _overlap(words, risk_words) >= _SAME_LESSON:
                    if project_id not in risk.source_ids:
                        risk.source_ids.append(project_id)
                    risk.best_similarity = max(risk.best_similarity, similarity)
                    break
            else:
                risks.append((Risk(text, [project_id], similarity), words))
    ranked = sorted(
        (risk for risk, _ in risks), key=lambda r: (-len(r.source_ids), -r.best_similarity)
    )
    return ranked[:limit]
