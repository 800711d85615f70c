"""The clarifying questions a brief leaves open: from the studio's own retros, then from rules.

Two sources, both deterministic:

- **Retros.** Each lesson of the closest past projects is matched to a topic by its words
  (stems, so "photos arrived late" and "photo arrives" match alike). A topic carries the
  question that would have prevented the lesson: a past "client photos arrived three weeks
  late" asks "Who delivers the product photos, and by when?", citing the project(s) it came
  from. Praise and progress lines are never turned into questions.
- **Rules.** Generic topics (deadline, budget, platform…) that count as answered when the brief
  mentions them. Each rule says which kinds of job it applies to: nobody hosts a logo, and a
  brand identity has no platform to choose.

Better to ask one question too many than to skip one the client never answered, but never one
that cannot apply.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from bot.money import amount_pattern
from bot.scoping.kinds import APP, IDENTITY, INTEGRATION, project_kinds
from bot.scoping.lessons import clean_lesson
from bot.scoping.lexicon import contains, phrase, phrases, stems

MAX_FROM_RETROS = 4  # questions learnt from past projects, at most
# A lesson of one project is asked about only when that project is this close to the brief;
# a topic that several analogues' retros raise is asked about at any similarity.
RETRO_SIMILARITY = 0.45
MAX_QUESTIONS = 10  # in all: a client reads a short list, not a questionnaire
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)


@dataclass(frozen=True)
class Question:
    topic: str
    text: str
    source_ids: tuple[str, ...] = ()  # past projects whose retros raised it


# --- rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    topic: str
    question: str
    answered: re.Pattern[str]
    skip: frozenset[str] = frozenset()  # kinds of job it cannot apply to
    only: frozenset[str] = frozenset()  # when set: asked only for these kinds
    for_identity: str = ""  # the wording for a brand identity or print job, when it differs

    def text_for(self, kinds: frozenset[str]) -> str:
        return self.for_identity if self.for_identity and kinds == {IDENTITY} else self.question

    def applies(self, kinds: frozenset[str]) -> bool:
        if self.only:
            return bool(kinds & self.only)
        return not kinds or not kinds <= self.skip


def _rule(
    topic: str,
    question: str,
    pattern: str,
    skip: Iterable[str] = (),
    only: Iterable[str] = (),
    for_identity: str = "",
) -> _Rule:
    compiled = re.compile(pattern, re.IGNORECASE)
    return _Rule(topic, question, compiled, frozenset(skip), frozenset(only), for_identity)


_NOT_FOR_IDENTITY = (IDENTITY,)

RULES: tuple[_Rule, ...] = (
    _rule(
        "deadline",
        "When does it need to go live, and is that date fixed (an event, a launch) or flexible?",
        rf"\b(deadline|due|launch(?:es|ing)?\s+(?:on|in|by)|go[- ]live|live\s+by|by\s+(?:{_MONTHS}|"
        r"the\s+end|end\s+of|next|mid|early|late|q[1-4])|within\s+\d+|in\s+\d+\s+(?:days?|weeks?|"
        r"months?)|asap|urgent|timeline|time\s*frame|\d{4}-\d{2}-\d{2})\b",
        for_identity="When is it needed, and is that date fixed (a launch, an opening, a print "
        "run) or flexible?",
    ),
    _rule(
        "budget",
        "Is there a budget or a price range the client has in mind?",
        rf"(\bbudget|\bprice\s+(?:cap|range)|\bfixed[- ]price|{amount_pattern()})",
    ),
    _rule(
        "platform",
        "Which platform or stack: web, iOS/Android, a CMS or shop system they already use?",
        r"\b(ios|android|web\s?(?:site|app|shop)?|website|mobile|desktop|shopify|woocommerce|"
        r"wordpress|webflow|squarespace|wix|magento|react|vue|angular|svelte|flutter|django|"
        r"rails|laravel|next\.?js|nuxt|node|python|php|stack|cms|swift|kotlin|hydrogen|"
        r"react\s+native|ghost|drupal|bigcommerce)\b",
        skip=_NOT_FOR_IDENTITY,
    ),
    _rule(
        "integrations",
        "Which other systems must it connect to (payments, CRM, email, accounting, login)?",
        r"\b(integrat\w*|api|apis|stripe|paypal|mollie|crm|hubspot|salesforce|mailchimp|klaviyo|"
        r"erp|sso|oauth|zapier|webhooks?|quickbooks|xero|no\s+integrations?)\b",
        skip=_NOT_FOR_IDENTITY,
    ),
    _rule(
        "content",
        "Who provides the content (copy, images, product data, translations), and when?",
        r"\b(content|copy(?:writing)?|photos?|photography|images?|texts?|translat\w*|"
        r"product\s+data|catalog(?:ue)?|migrat\w*|import)\b",
        skip=(*_NOT_FOR_IDENTITY, INTEGRATION),
    ),
    _rule(
        "design",
        "Is there a design (Figma, brand guide, theme) or is design part of the job?",
        r"\b(design\w*|figma|sketch|mock-?ups?|wireframes?|brand\w*|style\s?guide|ui|ux|theme)\b",
        skip=(*_NOT_FOR_IDENTITY, INTEGRATION),
    ),
    _rule(
        "deliverables",
        "Which deliverables are needed: logo files, colours and type, guidelines, templates, "
        "packaging?",
        r"\b(guidelines?|palette|typograph\w*|templates?|packaging|labels?|stationery|"
        r"business\s+cards?|signage|deliverables?|brand\s+book|style\s?guide)\b",
        only=(IDENTITY,),
    ),
    _rule(
        "existing brand",
        "Is there an existing name, logo or colours to keep, or is this a clean start?",
        r"\b(rebrand\w*|refresh\w*|redesign\w*|existing|from\s+scratch|new\s+(?:brand|company|"
        r"business|name)|start-?up|naming)\b",
        only=(IDENTITY,),
    ),
    _rule(
        "print",
        "Will anything be printed (packaging, labels, signage), and who is the printer?",
        r"\b(print\w*|cmyk|pantone|digital[- ]only|screen[- ]only|no\s+print)\b",
        only=(IDENTITY,),
    ),
    _rule(
        "stores",
        "Which devices and OS versions must it support, and who owns the App Store and "
        "Google Play accounts?",
        r"\b(app\s+store|play\s+store|google\s+play|testflight|devices?|ios\s+\d+|android\s+\d+)\b",
        only=(APP,),
    ),
    _rule(
        "hosting",
        "Where will it be hosted, and who owns the domain, accounts and deployment?",
        r"\b(host\w*|aws|azure|gcp|google\s+cloud|vercel|netlify|heroku|fly\.io|server\w*|"
        r"domain|deploy\w*|on[- ]prem\w*|shopify|squarespace|wix|webflow)\b",
        skip=_NOT_FOR_IDENTITY,
    ),
    _rule(
        "acceptance",
        "How will the work be accepted: who signs off, and what counts as done?",
        r"\b(acceptance|sign[- ]?off|signs?\s+off|approv\w*|done\s+when|criteria|uat|qa)\b",
        for_identity="Who chooses between the concepts and signs off, and how many rounds of "
        "changes are included?",
    ),
    _rule(
        "maintenance",
        "Is support or maintenance after launch expected (retainer, updates, fixes)?",
        r"\b(maint\w*|support|retainer|sla|warranty|after\s+launch|ongoing)\b",
        skip=_NOT_FOR_IDENTITY,
    ),
)


# --- topics learnt from retros -------------------------------------------------------------


_SHOP_WORDS = phrases(
    ["shop", "store", "product", "e-commerce", "ecommerce", "shopify", "woocommerce", "webshop"]
)


def _shop(brief_stems: Sequence[str]) -> bool:
    return any(contains(brief_stems, words) for words in _SHOP_WORDS)


@dataclass(frozen=True)
class RetroTopic:
    """Lessons about one thing, and the question that would have caught it early.

    ``keywords`` map a word or phrase to its weight (2: says the topic on its own, 1: a hint).
    ``replaces``: the generic rule this question makes redundant.
    """

    topic: str
    keywords: dict[tuple[str, ...], int]
    question: Callable[[Sequence[str]], str]
    replaces: str | None = None
    skip: frozenset[str] = frozenset()
    answered: re.Pattern[str] | None = None


def _topic(
    topic: str,
    strong: Iterable[str],
    hints: Iterable[str],
    question: str | Callable[[Sequence[str]], str],
    *,
    replaces: str | None = None,
    skip: Iterable[str] = (),
    answered: str | None = None,
) -> RetroTopic:
    keywords = {phrase(w): 1 for w in hints}
    keywords.update({phrase(w): 2 for w in strong})
    ask = question if callable(question) else (lambda _stems, text=question: text)
    return RetroTopic(
        topic,
        keywords,
        ask,
        replaces,
        frozenset(skip),
        re.compile(answered, re.IGNORECASE) if answered else None,
    )


# Order breaks ties: the more specific topic first.
RETRO_TOPICS: tuple[RetroTopic, ...] = (
    _topic(
        "privacy",
        ["consent", "gdpr", "privacy review", "dpo", "patient", "personal data", "data protection"],
        ["privacy", "access rules"],
        "What personal data does it handle, and who signs off on consent and privacy?",
    ),
    _topic(
        "photos",
        ["photo", "photography", "photoshoot", "image set", "imagery", "picture"],
        ["image", "gallery"],
        lambda s: (
            "Who delivers the product photos, and by when?"
            if _shop(s)
            else "Who delivers the photos and images (sizes, formats), and by when?"
        ),
        replaces="content",
        answered=r"\b(?:photos?|images?|pictures?)\s+(?:are\s+)?(?:ready|provided|supplied|done)|"
        r"(?:client|they)\s+(?:provides?|supplies?|sends?)\s+(?:the\s+)?(?:photos?|images?)",
    ),
    _topic(
        "copy",
        ["copy", "copywriting", "final copy", "written during build"],
        ["text", "content", "blog post", "wording"],
        "Who writes the copy, and will it be final before development starts?",
        replaces="content",
        skip=(IDENTITY,),
        answered=r"\b(?:copy|texts?)\s+(?:is\s+|are\s+)?(?:ready|final|provided|written)",
    ),
    _topic(
        "translations",
        ["translation", "translate", "i18n", "multilingual", "localis", "localiz"],
        ["language"],
        "Which languages, and who delivers the translations (in what format) and when?",
        replaces="content",
    ),
    _topic(
        "approvals",
        ["approval", "approv", "decision maker", "sign-off", "sign off", "board review"],
        ["partner", "board", "stakeholder", "rounds of feedback", "review round", "design round"],
        "Who is the one person who signs off, and how many review rounds are included?",
        replaces="acceptance",
    ),
    _topic(
        "access",
        ["api key", "sandbox", "test access", "credential", "test account"],
        ["vendor", "access"],
        "Who provides access to the other systems (API keys, sandbox, test accounts), and by when?",
        skip=(IDENTITY,),
    ),
    _topic(
        "third parties",
        ["widget", "rate limit", "quota", "third-party", "plugin", "app styling"],
        ["limit", "token refresh", "cost"],
        "Which third-party services, apps or widgets must it use, and are their limits "
        "(styling, quotas, costs) acceptable?",
        skip=(IDENTITY,),
    ),
    _topic(
        "shipping",
        ["shipping", "delivery zone", "zip list", "postcode", "carrier"],
        ["matrix", "zone", "region"],
        "What are the full shipping and delivery rules (zones, rates, exceptions)?",
        skip=(IDENTITY,),
    ),
    _topic(
        "payments",
        ["refund", "proration", "dunning", "failed payment", "stripe connect", "recurring"],
        ["payment", "donation", "billing", "subscription", "checkout"],
        "What are the payment rules: recurring charges, failed payments, refunds?",
        skip=(IDENTITY,),
    ),
    _topic(
        "catalogue",
        ["variant", "sku", "catalogue", "catalog", "product data"],
        ["product"],
        "How many products and variants are there, and who prepares the product data?",
        replaces="content",
        skip=(IDENTITY,),
    ),
    _topic(
        "store review",
        ["app store", "store review", "privacy label", "healthkit", "google fit", "testflight"],
        ["permission", "background location", "review time"],
        "Who owns the App Store and Google Play accounts, and is time planned for store review?",
        replaces="stores",
    ),
    _topic(
        "print",
        ["printer", "cmyk", "print spec", "pantone"],
        ["packaging", "label"],
        "Which printer and print specs (CMYK, sizes, stock) apply, and when are the files due?",
        replaces="print",
    ),
    _topic(
        "existing data",
        ["duplicate", "data cleaning", "shortcode", "redirect", "legacy", "alt text"],
        ["old post", "old url", "clean-up", "missing", "existing data", "sample content"],
        "What state is the existing content and data in, and can we see a sample before quoting?",
        replaces="content",
        skip=(IDENTITY,),
    ),
    _topic(
        "business rules",
        ["undocumented", "business rule", "parity"],
        ["old code", "old report"],
        "Is the current system documented, and who can explain its business rules?",
        skip=(IDENTITY,),
    ),
    _topic(
        "definitions",
        ["kpi", "definition", "metric"],
        ["disagree"],
        "Who defines the figures it reports (KPIs, metrics), and are the definitions written down?",
        skip=(IDENTITY,),
    ),
    _topic(
        "scope creep",
        ["change request", "wasn't in scope", "not in scope", "scope grew", "scope crept"],
        ["crept", "grew", "hadn't mentioned", "happened anyway", "production quality"],
        "What is explicitly out of scope, and how are changes requested and priced?",
    ),
    _topic(
        "moving spec",
        ["kept changing", "changed four times", "freeze", "spec"],
        ["changed", "change", "pricing rule"],
        "Which parts (pricing, rules, key pages) are still likely to change, and can they be "
        "settled before the build?",
    ),
    _topic(
        "hosting",
        ["hosting", "video hosting", "dns"],
        ["host", "server"],
        "Where will it be hosted (site, media, video), and who decides and pays for it?",
        replaces="hosting",
        skip=(IDENTITY,),
    ),
    _topic(
        "editing",
        ["training", "walkthrough", "theme editor", "editor"],
        ["editing", "cms", "menu"],
        "Who will edit it after launch, and how (CMS, editor)? Is training included?",
        skip=(IDENTITY,),
    ),
    _topic(
        "testing",
        ["qa", "edge case", "regression", "parity test"],
        ["testing", "preview", "caching"],
        "Which devices, browsers and edge cases must be tested before sign-off?",
        skip=(IDENTITY,),
    ),
    _topic(
        "offline",
        ["offline", "sync conflict", "conflict rule"],
        ["conflict"],
        "Must it work offline, and what should happen when two people edit the same thing?",
        skip=(IDENTITY,),
    ),
    _topic(
        "motion",
        ["animation", "motion", "scroll"],
        ["interaction"],
        "How much animation or motion is expected; can we prototype it before quoting?",
        skip=(IDENTITY,),
    ),
    _topic(
        "performance",
        ["performance", "page speed", "slow", "rollup"],
        ["quer", "fast"],
        "How much data and traffic must it handle, and how fast must it be?",
        skip=(IDENTITY,),
    ),
    _topic(
        "accounts",
        ["multi-tenant", "multi-tenancy", "tenancy", "user role", "roles"],
        ["account", "login", "auth"],
        "Who are the users and accounts (roles, teams, several companies)?",
        skip=(IDENTITY,),
    ),
    _topic(
        "integrations",
        ["calendar sync", "inventory api", "stock sync", "erp", "crm", "idempotency", "retry"],
        ["sync", "api", "integration", "google sheet"],
        "Which systems must it sync with (stock, orders, calendars, CRM), and do they have a "
        "usable API?",
        replaces="integrations",
        skip=(IDENTITY,),
    ),
    _topic(
        "naming",
        ["naming", "name exploration"],
        [],
        "Is naming part of the job, or is the name settled?",
        replaces="existing brand",
    ),
    _topic(
        "accessibility",
        ["accessibility", "wcag", "contrast", "a11y"],
        [],
        "Is there an accessibility target (e.g. WCAG AA), and do the brand colours meet it?",
    ),
)
_BY_TOPIC = {t.topic: t for t in RETRO_TOPICS}


# Every topic's keywords as " stem stem " strings with their weights: a phrase is found in a
# lesson by one substring test on the lesson's stems written the same way.
_KEYWORD_INDEX: tuple[tuple[RetroTopic, tuple[tuple[str, int], ...]], ...] = tuple(
    (topic, tuple((f" {' '.join(words)} ", weight) for words, weight in topic.keywords.items()))
    for topic in RETRO_TOPICS
)


@lru_cache(maxsize=8192)  # module-level on purpose: pure in the text, bounded
def lesson_topic(lesson: str) -> RetroTopic | None:
    """The topic a lesson is about: the one whose keywords weigh most (ties: table order).

    Cached: the same analogues' lessons come back with every similar brief.
    """
    found = f" {' '.join(stems(lesson))} "
    best: RetroTopic | None = None
    best_score = 0
    for topic, keywords in _KEYWORD_INDEX:
        score = sum(weight for words, weight in keywords if words in found)
        if score > best_score:
            best, best_score = topic, score
    return best


@dataclass
class _Learnt:
    topic: RetroTopic
    source_ids: list[str] = field(default_factory=list)
    best_similarity: float = 0.0


@dataclass(frozen=True)
class PastLessons:
    """What the questions read of one past project."""

    project_id: str
    lessons: Sequence[str]
    similarity: float
    type: str = ""


def _cite(ids: Sequence[str]) -> str:
    return ", ".join(f"`{i}`" for i in ids)


def retro_questions(
    brief: str,
    analogues: Sequence[PastLessons],
    kinds: frozenset[str] | None = None,
    limit: int = MAX_FROM_RETROS,
) -> list[Question]:
    """Questions learnt from the analogues' lessons, those raised by most projects first."""
    if kinds is None:
        kinds = project_kinds(brief, ((a.type, a.similarity) for a in analogues))
    learnt: dict[str, _Learnt] = {}
    for past in analogues:
        for raw in past.lessons:
            lesson = clean_lesson(raw)
            if lesson is None:
                continue
            topic = lesson_topic(lesson.core)
            if topic is None or (kinds and kinds <= topic.skip):
                continue
            if topic.answered is not None and topic.answered.search(brief):
                continue
            entry = learnt.setdefault(topic.topic, _Learnt(topic))
            if past.project_id not in entry.source_ids:
                entry.source_ids.append(past.project_id)
            entry.best_similarity = max(entry.best_similarity, past.similarity)
    ranked = sorted(
        (
            e
            for e in learnt.values()
            if len(e.source_ids) > 1 or e.best_similarity >= RETRO_SIMILARITY
        ),
        key=lambda e: (-len(e.source_ids), -e.best_similarity),
    )
    brief_stems = stems(brief)
    return [
        Question(
            entry.topic.topic,
            f"{entry.topic.question(brief_stems)} (learnt on {_cite(entry.source_ids)})",
            tuple(entry.source_ids),
        )
        for entry in ranked[:limit]
    ]


def open_questions(
    brief: str,
    analogues: Sequence[PastLessons] = (),
    kinds: frozenset[str] | None = None,
) -> list[Question]:
    """The questions the brief leaves open: learnt from the analogues' retros first, then the
    generic rules that apply to this kind of job and whose topic the brief does not mention.

    ``analogues``: the past projects the answer is based on, closest first; their types stand
    in for the brief's kind when the brief names none.
    """
    if kinds is None:
        kinds = project_kinds(brief, ((a.type, a.similarity) for a in analogues))
    learnt = retro_questions(brief, analogues, kinds)
    covered = {q.topic for q in learnt} | {
        _BY_TOPIC[q.topic].replaces for q in learnt if _BY_TOPIC[q.topic].replaces
    }
    generic = [
        Question(rule.topic, rule.text_for(kinds))
        for rule in RULES
        if rule.topic not in covered and rule.applies(kinds) and not rule.answered.search(brief)
    ]
    return (learnt + generic)[:MAX_QUESTIONS]


__all__ = [
    "MAX_QUESTIONS",
    "RETRO_TOPICS",
    "RULES",
    "PastLessons",
    "Question",
    "RetroTopic",
    "lesson_topic",
    "open_questions",
    "retro_questions",
]
