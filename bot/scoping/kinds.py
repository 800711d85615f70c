"""What kind of job a brief is: a brand identity, a website, an app, an integration…

The kind decides which generic questions can apply at all (nobody hosts a logo). It is read
from the brief's own words first; when the brief names no kind, the closest past project's
type stands in for it, as long as that project is close enough to speak for the brief.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.scoping.lexicon import contains, phrases, stems, tokens

IDENTITY = "identity"  # logo, brand identity, print and packaging design
WEB = "web"  # websites, shops, landing pages, CMS work
APP = "app"  # native or cross-platform mobile apps
SOFTWARE = "software"  # web applications: SaaS, dashboards, portals, admin panels
INTEGRATION = "integration"  # connecting systems: APIs, syncs, webhooks
MIGRATION = "migration"  # moving sites, data or servers
KINDS = (IDENTITY, WEB, APP, SOFTWARE, INTEGRATION, MIGRATION)

# A past project's type (knowledge.models.PastProject.type) -> kind.
TYPE_KINDS = {
    "brand-identity": IDENTITY,
    "branding": IDENTITY,
    "print": IDENTITY,
    "e-commerce": WEB,
    "marketing-site": WEB,
    "landing-page": WEB,
    "wordpress": WEB,
    "website": WEB,
    "mobile-app": APP,
    "saas-mvp": SOFTWARE,
    "dashboard": SOFTWARE,
    "web-app": SOFTWARE,
    "api-integration": INTEGRATION,
    "integration": INTEGRATION,
    "migration": MIGRATION,
}

_KEYWORDS: dict[str, tuple[tuple[str, ...], ...]] = {
    IDENTITY: phrases(
        [
            "logo",
            "logotype",
            "wordmark",
            "brand identity",
            "rebrand",
            "visual identity",
            "brand guidelines",
            "colour palette",
            "color palette",
            "typography",
            "packaging",
            "business card",
            "stationery",
            "flyer",
            "poster",
            "brochure",
            "signage",
            "print",
            "can label",
        ]
    ),
    WEB: phrases(
        [
            "website",
            "site",
            "web shop",
            "webshop",
            "online shop",
            "store",
            "shop",
            "e-commerce",
            "ecommerce",
            "landing page",
            "homepage",
            "page",
            "blog",
            "cms",
            "wordpress",
            "shopify",
            "woocommerce",
            "webflow",
            "squarespace",
            "wix",
            "seo",
        ]
    ),
    APP: phrases(
        [
            "mobile app",
            "ios",
            "android",
            "iphone",
            "ipad",
            "app store",
            "play store",
            "react native",
            "flutter",
            "swift",
            "kotlin",
            "app",
        ]
    ),
    SOFTWARE: phrases(
        [
            "web app",
            "saas",
            "dashboard",
            "portal",
            "admin panel",
            "platform",
            "mvp",
            "backend",
            "multi-tenant",
        ]
    ),
    INTEGRATION: phrases(
        ["integration", "integrate", "sync", "api", "webhook", "connector", "erp", "crm"]
    ),
    MIGRATION: phrases(["migration", "migrate", "move from", "moved from", "port", "replatform"]),
}

CLOSE_ENOUGH = 0.45  # similarity above which the closest project's type stands in for the brief


def _keyword_index() -> tuple[
    dict[str, frozenset[str]], dict[str, list[tuple[tuple[str, ...], str]]]
]:
    """One-word keywords as stem -> kinds, longer ones by their first stem: matching a brief
    then looks up each of its words once instead of scanning every keyword."""
    single: dict[str, set[str]] = {}
    longer: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for kind, words in _KEYWORDS.items():
        for word in words:
            if len(word) == 1:
                single.setdefault(word[0], set()).add(kind)
            elif word:
                longer.setdefault(word[0], []).append((word, kind))
    return {s: frozenset(k) for s, k in single.items()}, longer


_SINGLE, _LONGER = _keyword_index()


def _named_kinds(found: Sequence[str]) -> set[str]:
    named: set[str] = set()
    for i, word in enumerate(found):
        named.update(_SINGLE.get(word, ()))
        for keyword, kind in _LONGER.get(word, ()):
            if tuple(found[i : i + len(keyword)]) == keyword:
                named.add(kind)
    return named


def brief_kinds(brief: str) -> frozenset[str]:
    """The kinds the brief's own words name ("logo and a website" names two)."""
    found = stems(brief)
    named = _named_kinds(found)
    if "branding" in tokens(brief):  # its stem is "brand", which a shop's brief also says
        named.add(IDENTITY)
    # "web app" is software, not a mobile app; "app" alone next to a site is the site's app.
    if SOFTWARE in named and contains(found, ("web", "app")):
        named.discard(APP)
    # A label, a poster or a page can be part of any job; an identity word next to a web or
    # app word means a wider job, which keeps its web questions.
    return frozenset(named)


def project_kinds(
    brief: str, analogues: Iterable[tuple[str, float]] = (), close_enough: float = CLOSE_ENOUGH
) -> frozenset[str]:
    """The brief's kinds; if it names none, the type of the closest past project close enough.

    ``analogues`` are (project type, similarity), in any order.
    """
    named = brief_kinds(brief)
    if named:
        return named
    ranked: Sequence[tuple[str, float]] = sorted(analogues, key=lambda a: -a[1])
    for project_type, similarity in ranked[:1]:
        kind = TYPE_KINDS.get(project_type.lower())
        if kind and similarity >= close_enough:
            return frozenset({kind})
    return frozenset()
