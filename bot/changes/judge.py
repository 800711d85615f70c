"""Is a client's request inside the agreed scope? Pure and deterministic.

The agreed scope is a list of :class:`ScopeLine` (the brief's sentences, the estimate's or
proposal's phases and deliverables, its exclusions, and the change requests approved so far).
A request is compared with every line by two lexical measures (TF-IDF cosine over words and
word pairs, and how many of the request's content words the line contains) and, when the
caller has an embedder, the cosine of their embeddings. The best line decides:

- **included** when its score reaches :data:`INCLUDED_AT`;
- **unclear** between :data:`UNCLEAR_AT` and :data:`INCLUDED_AT`, and whenever there is no
  agreed scope text at all;
- **extra** below, or when the line is an exclusion, or when the request asks for *more* of
  something the scope counts ("one more revision round", "an extra page", "while you're at
  it") and the line does not grant more.

The reason is one sentence that cites the line.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np

Verdict = Literal["included", "extra", "unclear"]
VERDICTS: tuple[Verdict, ...] = ("included", "extra", "unclear")

INCLUDED_AT = 0.5
UNCLEAR_AT = 0.25
# Cosine of all-MiniLM-L6-v2 embeddings mapped onto the lexical scale: unrelated sentences sit
# around 0.2, paraphrases above 0.7.
SEMANTIC_FLOOR, SEMANTIC_FULL = 0.35, 0.85
CITE_CHARS = 140

# Words of the asking, not of the work: "the client wants us to add …".
_FILLER = frozenset(
    (
        "client", "clients", "customer", "they", "them", "their", "wants", "want", "wanted",
        "would", "like", "asked", "asks", "ask", "asking", "request", "requested",
        "requests", "needs", "need", "needed", "please", "could", "can", "us", "we", "our",
        "add", "adding", "added", "also", "new", "get", "make", "just", "maybe", "possible",
        "possibly", "quick", "small", "little", "bit", "thing", "things", "section",
        "sections", "some", "kind", "sort", "able",
    )
)


@cache
def _stop_words() -> frozenset[str]:
    # scikit-learn is imported on first judgement, not with the module: it costs a second at
    # every CLI start that never judges anything.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return ENGLISH_STOP_WORDS | _FILLER

# Asking for more than the scope counts: extra unless the scope line grants more.
_MORE_OF = re.compile(
    r"\b(?:one|two|three|a\s+couple\s+of|another|an?\s+)?\s*(?:more|extra|additional|further)"
    r"\s+(?:\w+\s+){0,2}?(?P<what>(?:revisions?|review|feedback|design)\s+rounds?|revisions?|rounds?|pages?|screens?|templates?|languages?|"
    r"variants?|iterations?|changes?|concepts?|mock-?ups?|sections?|features?|emails?|"
    r"meetings?|calls?|workshops?|products?|posts?|banners?|sizes?|formats?)\b"
    r"|\banother\s+(?:\w+\s+){0,2}?(?P<again>revision|round|page|concept|iteration|language|"
    r"variant|template|version)\b",
    re.IGNORECASE,
)
_WHILE_AT_IT = re.compile(
    r"\bwhile\s+(?:you(?:'re|\s+are)|we(?:'re|\s+are))\s+at\s+it\b|\bcan\s+you\s+also\b|"
    r"\b(?:just\s+)?one\s+more\s+thing\b|\bon\s+top\s+of\s+(?:that|this)\b",
    re.IGNORECASE,
)
# A scope line that grants more: "unlimited revisions", "additional pages included".
_GRANTS_MORE = re.compile(
    r"\bunlimited\b|\bas\s+many\b|\b(?:additional|extra|more)\b.{0,40}\bincluded\b|"
    r"\bincluded\b.{0,40}\b(?:additional|extra)\b",
    re.IGNORECASE,
)
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")
# A long sentence listing several deliverables is cut into them, so the cited line is short.
_CLAUSES = re.compile(r"\s*[:;,]\s+|\s+(?:and|plus|with)\s+(?=(?:an?|the|some)\s)")
LONG_LINE = 90
WHILE_AT_IT_INCLUDED = 0.75  # "while you're at it …" is included only when clearly covered


@dataclass(frozen=True)
class ScopeLine:
    """One line of the agreed scope and where it comes from ("brief", "phase", "change c1…")."""

    text: str
    source: str
    excluded: bool = False  # an exclusion: matching it makes the request extra


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    reason: str  # one sentence, citing the line
    line: ScopeLine | None  # the closest line of the agreed scope
    score: float  # the closest line's score, 0..1
    pattern: str | None = None  # the scope-creep phrase found ("one more revision round")


Embed = Callable[[list[str]], np.ndarray]  # texts -> L2-normalised rows


def scope_lines(text: str, source: str, excluded: bool = False) -> list[ScopeLine]:
    """``text`` cut into sentences (and list lines), each a :class:`ScopeLine`."""
    lines = []
    for sentence in _SENTENCES.split(text or ""):
        parts = _CLAUSES.split(sentence) if len(sentence) > LONG_LINE else [sentence]
        for part in parts:
            part = part.strip(" \t-•*·.").strip()
            if re.search(r"[^\W\d_]{2,}", part):
                lines.append(ScopeLine(part, source, excluded))
    return lines


def _stem(word: str) -> str:
    word = word.lower()
    for suffix in ("ies", "es", "s"):
        if len(word) > 4 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def content_words(text: str) -> set[str]:
    """The words that say what the work is ("blog", "checkout"), stemmed, without filler."""
    words = re.findall(r"[a-z0-9][a-z0-9+#.-]*[a-z0-9+#]|[a-z]", text.lower())
    stop = _stop_words()
    return {_stem(w) for w in words if w not in stop and len(w) > 1 and not w.isdigit()}


def _analyse(text: str) -> list[str]:
    words = [_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower())]
    stop = _stop_words()
    kept = [w for w in words if w not in stop and len(w) > 1]
    return kept + [f"{a} {b}" for a, b in itertools.pairwise(kept)]


def _lexical(request: str, lines: Sequence[ScopeLine]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [line.text for line in lines]
    try:
        vectorizer = TfidfVectorizer(analyzer=_analyse, sublinear_tf=True)
        matrix = vectorizer.fit_transform([*texts, request])
    except ValueError:  # nothing but filler words
        return np.zeros(len(lines))
    scores = (matrix[:-1] @ matrix[-1].T).toarray().ravel()
    return np.clip(scores, 0.0, 1.0)


def _coverage(request: str, lines: Sequence[ScopeLine]) -> np.ndarray:
    wanted = content_words(request)
    if not wanted:
        return np.zeros(len(lines))
    return np.asarray([len(wanted & content_words(line.text)) / len(wanted) for line in lines])


def _semantic(request: str, lines: Sequence[ScopeLine], embed: Embed | None) -> np.ndarray:
    if embed is None:
        return np.zeros(len(lines))
    vectors = np.asarray(embed([*(line.text for line in lines), request]), dtype=float)
    cosine = vectors[:-1] @ vectors[-1]
    return np.clip((cosine - SEMANTIC_FLOOR) / (SEMANTIC_FULL - SEMANTIC_FLOOR), 0.0, 1.0)


def line_scores(
    request: str, lines: Sequence[ScopeLine], embed: Embed | None = None
) -> np.ndarray:
    """Each line's score against ``request``, 0..1: the best of the three measures, the
    semantic one counting only where some word is shared (a paraphrase alone stays unclear).

    A line of one word ("Design", a phase's name) says what kind of work, not which: it can
    make a request unclear, never included."""
    lexical = _lexical(request, lines)
    coverage = _coverage(request, lines)
    semantic = _semantic(request, lines, embed)
    semantic = np.where(coverage > 0, semantic, np.minimum(semantic, INCLUDED_AT - 0.01))
    scores = np.maximum.reduce([lexical, coverage, semantic])
    vague = np.asarray([len(content_words(line.text)) < 2 for line in lines])
    # asarray: numpy's stubs pick where()'s one-argument overload (a tuple) here.
    return np.asarray(np.where(vague, np.minimum(scores, INCLUDED_AT - 0.01), scores))


def _cite(line: ScopeLine) -> str:
    text = line.text if len(line.text) <= CITE_CHARS else line.text[: CITE_CHARS - 1] + "…"
    return f"“{text}” ({line.source})"


def creep_phrase(request: str) -> str | None:
    """The phrase asking for more than was agreed ("one more revision round"), if any."""
    found = _MORE_OF.search(request) or _WHILE_AT_IT.search(request)
    return " ".join(found.group(0).split()) if found else None


def judge(request: str, lines: Sequence[ScopeLine], embed: Embed | None = None) -> Judgement:
    """The verdict on ``request`` against the agreed scope ``lines``."""
    request = " ".join(request.split())
    pattern = creep_phrase(request)
    lines = [line for line in lines if line.text.strip()]
    if not lines:
        return Judgement(
            "unclear",
            "Unclear: there is no agreed scope on record to compare it with (no brief, "
            "estimate or proposal for this project).",
            None,
            0.0,
            pattern,
        )
    scores = line_scores(request, lines, embed)
    best = int(np.argmax(scores))
    line, score = lines[best], float(scores[best])
    if line.excluded and score >= UNCLEAR_AT:
        return Judgement(
            "extra", f"Extra: the agreed scope excludes it: {_cite(line)}.", line, score, pattern
        )
    while_at_it = pattern is not None and _WHILE_AT_IT.search(pattern) is not None
    if while_at_it and score < WHILE_AT_IT_INCLUDED:
        return Judgement(
            "extra",
            f"Extra: it comes on top of the agreed work (“{pattern}”), and the closest line "
            f"of the agreed scope, {_cite(line)}, does not clearly include it.",
            line,
            score,
            pattern,
        )
    if pattern and not while_at_it and not _GRANTS_MORE.search(line.text):
        if score >= UNCLEAR_AT:
            reason = f"Extra: “{pattern}” goes beyond what the agreed scope sets in {_cite(line)}."
        else:
            reason = (
                f"Extra: “{pattern}” asks for more than was agreed, and nothing in the agreed "
                f"scope covers it (closest: {_cite(line)})."
            )
        return Judgement("extra", reason, line, score, pattern)
    if score >= INCLUDED_AT:
        return Judgement(
            "included", f"Included: the agreed scope covers it in {_cite(line)}.", line, score
        )
    if score >= UNCLEAR_AT:
        return Judgement(
            "unclear",
            f"Unclear: it is close to {_cite(line)} but not clearly part of it; check with "
            "the client what was meant.",
            line,
            score,
            pattern,
        )
    if score <= 0.0:  # no line shares a word: cite where the agreed scope starts
        line = lines[0]
        return Judgement(
            "extra",
            f"Extra: no line of the agreed scope mentions it (it starts with {_cite(line)}).",
            line,
            score,
            pattern,
        )
    return Judgement(
        "extra",
        f"Extra: nothing in the agreed scope covers it; the closest line is {_cite(line)}.",
        line,
        score,
        pattern,
    )


__all__ = [
    "INCLUDED_AT",
    "UNCLEAR_AT",
    "VERDICTS",
    "Judgement",
    "ScopeLine",
    "Verdict",
    "content_words",
    "creep_phrase",
    "judge",
    "line_scores",
    "scope_lines",
]
