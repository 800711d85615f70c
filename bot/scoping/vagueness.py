"""Is a brief specific enough to size?

"a website", "an app", "build me something" or "a logo?" name a kind of deliverable and
nothing about it: any number would be a guess dressed up as data. A brief is judged by its
content, not against a list of phrases:

- its **informative words**: what is left once request words ("build me", "I need"), generic
  deliverables ("website", "app", "logo") and platform classes ("mobile", "online") are taken
  out; a named product ("Shopify"), a domain ("bakery"), a feature ("booking") or a quantity
  ("60 products") all count;
- the **closest past project**: a brief of one or two informative words that resembles none of
  the studio's projects ("asdf qwer", "a thing for Bob") says nothing sizeable either.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.scoping.lexicon import STOPWORDS, tokens, wordset

# Words that ask for work without saying what it is.
_REQUEST_WORDS = wordset(
    """build make create do design develop code set setup up put together get need needs
    want wants like love looking look please pls plz help just maybe perhaps kind sort
    something anything thing things stuff one ones new simple small quick basic nice good
    cool decent proper little big great fancy modern custom professional cheap affordable
    own me us my our i we you your client clients customer customers company business
    someone somebody friend friends startup start-up people person guy team
    ok okay hey hi hello so well yeah hmm idea ideas quote estimate ballpark price cost
    long much many hours take would could can will scope quote quotes estimate estimates
    ballpark figure number rough roughly approx approximately asap soon"""
)
# What kind of thing, but not which one.
_GENERIC_DELIVERABLES = wordset(
    """website websites site sites web webpage webpages page pages homepage app apps
    application applications logo logos brand branding identity shop shops store stores
    webshop e-shop project projects system systems platform platforms tool tools software
    product products solution solutions program programs service services portal thingy
    presence online digital mobile ios android iphone ecommerce e-commerce responsive native
    hybrid cross-platform desktop dashboard dashboards saas mvp prototype integration
    integrations migration migrations redesign rebuild refresh upgrade update feature features
    plugin plugins extension extensions"""
)
_NOT_INFORMATIVE = STOPWORDS | _REQUEST_WORDS | _GENERIC_DELIVERABLES

FEW_WORDS = 2  # this many informative words or fewer: the brief must resemble a past project
RESEMBLES = 0.35  # ... at least this closely (cosine similarity of the closest project)
THIN_WORDS = 3  # up to this many: sizeable, but only loosely


@dataclass(frozen=True)
class Vagueness:
    """How much a brief says: its informative words and the verdict."""

    informative: tuple[str, ...]
    too_vague: bool  # too vague to size: ask first
    thin: bool  # sizeable, but only as a wide band
    reason: str

    @property
    def words(self) -> int:
        return len(self.informative)


def informative_words(brief: str) -> tuple[str, ...]:
    """The words of ``brief`` that say what the work is (in order, each once)."""
    seen: dict[str, None] = {}
    for token in tokens(brief):
        word = token.split("'")[0]  # "i'd" -> "i", "client's" -> "client"
        if len(word) < 2 and not word.isdigit():
            continue
        if word in _NOT_INFORMATIVE or word.rstrip("s") in _NOT_INFORMATIVE:
            continue
        seen.setdefault(word, None)
    return tuple(seen)


def assess(brief: str, closest_similarity: float | None = None) -> Vagueness:
    """Judge ``brief``; ``closest_similarity`` is that of the closest past project (None: the
    workspace has no past projects to compare with)."""
    words = informative_words(brief)
    if not words:
        return Vagueness(words, True, True, "it names a kind of deliverable and nothing about it")
    # Without a history there is nothing to resemble: only the words themselves can tell.
    unlike = closest_similarity is not None and closest_similarity < RESEMBLES
    if len(words) <= FEW_WORDS and unlike:
        return Vagueness(
            words, True, True, "it says very little and resembles none of your past projects"
        )
    return Vagueness(words, False, len(words) <= THIN_WORDS, "")


def same_request(a: str, b: str) -> bool:
    """Whether two briefs ask for the same thing (same informative and deliverable words)."""
    return _key(a) == _key(b)


def adds_detail(earlier: str, later: str) -> bool:
    """Whether ``later`` repeats ``earlier``'s request and says more about it."""
    before, after = _key(earlier), _key(later)
    return before <= after and len(informative_words(later)) > len(informative_words(earlier))


def _key(brief: str) -> frozenset[str]:
    return frozenset(
        t.rstrip("s")
        for t in tokens(brief)
        if t not in STOPWORDS and t not in _REQUEST_WORDS and len(t) > 1
    )
