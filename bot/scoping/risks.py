"""Top risks: the lessons of the closest analogues, cleaned, de-duplicated and cited.

Each lesson goes through :func:`bot.scoping.lessons.clean_lesson` first, so praise and progress
lines never show as risks and a log's "blocker: blocker: …" reads as one sentence. Two lessons
that say the same thing (same words up to inflection, or one inside the other) become one
risk citing both projects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.scoping.lessons import clean_lesson
from bot.scoping.lexicon import content_stems

MAX_RISKS = 5
_SAME_LESSON = 0.6  # overlap of word stems (Jaccard) above which two lessons say the same thing
_INSIDE = 0.8  # share of the shorter lesson's stems found in the longer one: the same lesson
_MIN_INSIDE = 3  # ... when the shorter one has at least this many stems


@dataclass
class Risk:
    text: str
    source_ids: list[str] = field(default_factory=list)
    best_similarity: float = 0.0


def same_lesson(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two lessons' content stems say the same thing."""
    if not a or not b:
        return False
    shared = len(a & b)
    if shared / len(a | b) >= _SAME_LESSON:
        return True
    shorter = min(len(a), len(b))
    return shorter >= _MIN_INSIDE and shared / shorter >= _INSIDE


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
            lesson = clean_lesson(raw)
            if lesson is None:
                continue
            words = content_stems(lesson.core)
            for risk, risk_words in risks:
                if risk.text.lower() == lesson.text.lower() or same_lesson(words, risk_words):
                    if project_id not in risk.source_ids:
                        risk.source_ids.append(project_id)
                    risk.best_similarity = max(risk.best_similarity, similarity)
                    break
            else:
                risks.append((Risk(lesson.text, [project_id], similarity), words))
    ranked = sorted(
        (risk for risk, _ in risks), key=lambda r: (-len(r.source_ids), -r.best_similarity)
    )
    return ranked[:limit]
