"""Better questions and risks: learnt from the studio's retros, conditional on the kind of job.

Unit tests on the lesson cleaner, the lesson -> topic -> question mapping and the rules, and
end-to-end runs of `/scope` on the demo portfolio, including a project closed from the work
log, whose lessons arrive as "blocker: …" lines.
"""

from __future__ import annotations

import re

import pytest

from bot.messages import Reply
from bot.scoping.kinds import APP, IDENTITY, WEB, brief_kinds, project_kinds
from bot.scoping.lessons import clean_lesson, is_praise
from bot.scoping.questions import (
    RULES,
    PastLessons,
    lesson_topic,
    open_questions,
    retro_questions,
)
from bot.scoping.risks import top_risks
from knowledge.demo import demo_projects
from tests.conftest import Harness

PHOTOS_LATE = "Client photos arrived three weeks late; ask for content before design starts"


def _section(reply: Reply, title: str) -> list[str]:
    text = reply.text
    if title not in text:
        return []
    tail = text.split(title, 1)[1].split("\n\n", 1)[0]
    return [line[2:] for line in tail.splitlines() if line.startswith("- ")]


# --- lessons -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "praise",
    [
        "Client was great",
        "The client was lovely to work with",
        "Everything went smoothly",
        "Launch went well, thanks team",
        "DNS cutover planned for a Friday was moved to Tuesday: good call",
        "Reused the personaliser from an earlier project; reuse paid off",
        "Drag-and-drop calendar library saved weeks",
        "Templates were reused from a previous refresh; came in under budget",
        "done: checkout flow, 2h30",
        "next: homepage hero",
        "fixed the header",
        "blocker:",
        "note: ok",
    ],
)
def test_praise_progress_and_noise_are_not_lessons(praise: str) -> None:
    assert clean_lesson(praise) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "blocker: blocker: waiting for the API keys from the client, 2h",
            "Held the work up: waiting for the API keys from the client — clear this before "
            "the build starts",
        ),
        ("Blocker - BLOCKER: photos are late", "Held the work up: photos are late"),
        ("decision: decision: we go with Stripe", "Had to be decided during the build: we go"),
        (
            "- [2024-03-02 10:00] note: hosting account was locked (3h)",
            "Hosting account was locked",
        ),
        ("#12: risk: the ERP sandbox is down", "The ERP sandbox is down"),
        ("  client photos   arrived late. ", "Client photos arrived late"),
        ("The client was great but photos arrived late", "The client was great but photos"),
        (
            "Dawn customisation was quicker than a full custom theme; propose it first",
            "Dawn customisation was quicker",  # a happy outcome with advice is a lesson
        ),
    ],
)
def test_lessons_are_cleaned_into_one_sentence(raw: str, expected: str) -> None:
    lesson = clean_lesson(raw)
    assert lesson is not None
    assert lesson.text.startswith(expected), lesson.text
    assert not re.match(r"(?i)\s*(blocker|decision|note|risk)\b\s*[:\-]", lesson.text)
    assert "blocker: blocker" not in lesson.text.lower()
    assert not lesson.text.endswith(".")


def test_praise_needs_no_problem_and_no_advice() -> None:
    assert is_praise("went smoothly")
    assert not is_praise("went smoothly until the photos arrived late")
    assert not is_praise("quick win; ask for the copy early next time")


def test_risks_strip_prefixes_drop_praise_and_merge_near_duplicates() -> None:
    risks = top_risks(
        [
            (
                "p-1",
                [
                    "blocker: blocker: client photos arrived late, 3h",
                    "Client was great",
                    "done: homepage",
                ],
                0.9,
            ),
            ("p-2", ["Client photo arrives late!", "Went smoothly"], 0.8),
            ("p-3", ["Blocker: the client's photos arrived late again"], 0.6),
            ("p-4", ["Hosting account was locked for two days"], 0.7),
        ]
    )
    texts = [r.text for r in risks]
    assert len(risks) == 2, texts
    assert risks[0].source_ids == ["p-1", "p-2", "p-3"]
    assert risks[0].text.startswith("Held the work up: client photos arrived late")
    assert texts[1] == "Hosting account was locked for two days"
    assert not any(re.search(r"(?i)great|smoothly|done:|blocker:", t) for t in texts)


def test_demo_lessons_that_are_praise_never_become_risks() -> None:
    projects = demo_projects()
    risks = top_risks([(p.id, p.lessons, 0.5) for p in projects], limit=1000)
    texts = " | ".join(r.text for r in risks)
    for praise in ("good call", "paid off", "saved weeks", "under budget", "made later"):
        assert praise not in texts
    kept = sum(1 for p in projects for lesson in p.lessons if clean_lesson(lesson))
    assert len(risks) <= kept and kept >= 50  # the real lessons are all still there


# --- topics and questions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lesson", "topic"),
    [
        (PHOTOS_LATE, "photos"),
        ("The product photography was delivered a month after kickoff", "photos"),
        ("Copy was written during build; ask for final copy before development", "copy"),
        ("Translations arrived in spreadsheets", "translations"),
        ("Partner approvals slowed every round", "approvals"),
        ("Booking engine vendor was slow to provide API keys", "access"),
        ("Shipping rules by state were underestimated", "shipping"),
        ("App store review rejected the first build over privacy labels", "store review"),
        ("Packaging printer needed CMYK specs earlier than planned", "print"),
        ("Scope grew from 3 to 6 data sources without a change request", "scope creep"),
        ("Video hosting choice changed mid-build; decide hosting in discovery", "hosting"),
        ("Before/after photos needed patient consent forms", "privacy"),
    ],
)
def test_lessons_map_to_topics_by_their_words(lesson: str, topic: str) -> None:
    found = lesson_topic(lesson)
    assert found is not None and found.topic == topic


def test_a_late_photos_lesson_asks_who_delivers_the_product_photos() -> None:
    past = [PastLessons("demo-001", [PHOTOS_LATE], 0.7, "e-commerce")]
    questions = retro_questions("Shopify store for a tea brand", past)
    assert [q.text for q in questions] == [
        "Who delivers the product photos, and by when? (learnt on `demo-001`)"
    ]
    assert questions[0].source_ids == ("demo-001",)
    # Not a shop: the same lesson asks about photos and images in general.
    site = retro_questions("portfolio site for an architect", past)
    assert site[0].text.startswith("Who delivers the photos and images")
    # The retro question replaces the generic content question.
    topics = [q.topic for q in open_questions("Shopify store for a tea brand", past)]
    assert topics[0] == "photos" and "content" not in topics


def test_retro_questions_cite_every_project_and_rank_shared_topics_first() -> None:
    past = [
        PastLessons("p-1", ["Partner approvals slowed every round"], 0.8, "marketing-site"),
        PastLessons("p-2", [PHOTOS_LATE, "Board review added two extra design rounds"], 0.6),
        PastLessons("p-3", ["Client was great", "done: launch"], 0.9),
    ]
    questions = retro_questions("website for a law firm", past)
    assert questions[0].topic == "approvals"
    assert questions[0].source_ids == ("p-1", "p-2")
    assert "(learnt on `p-1`, `p-2`)" in questions[0].text
    assert all("p-3" not in q.source_ids for q in questions)  # praise and progress: nothing


def test_a_single_distant_projects_lesson_is_not_asked_about() -> None:
    distant = [PastLessons("p-9", [PHOTOS_LATE], 0.3, "e-commerce")]
    assert retro_questions("Shopify store for a tea brand", distant) == []


def test_brief_kinds() -> None:
    assert brief_kinds("a logo for a bakery") == {IDENTITY}
    assert brief_kinds("brand identity and a website") == {IDENTITY, WEB}
    assert APP in brief_kinds("an iOS app for dog walkers")
    assert APP not in brief_kinds("a web app for invoices")
    assert project_kinds("something for a brewery", [("brand-identity", 0.6)]) == {IDENTITY}
    assert project_kinds("something for a brewery", [("brand-identity", 0.2)]) == frozenset()


IDENTITY_BRIEFS = [
    "a logo for a bakery",
    "brand identity for a craft brewery",
    "rebrand of a consultancy with a new logo and colour palette",
    "business cards and a flyer for a yoga teacher",
]


@pytest.mark.parametrize("brief", IDENTITY_BRIEFS)
def test_questions_that_cannot_apply_to_identity_work_are_dropped(brief: str) -> None:
    topics = {q.topic for q in open_questions(brief)}
    assert not topics & {"hosting", "platform", "integrations", "maintenance", "design"}
    assert "deadline" in topics and "budget" in topics
    assert not any("go live" in q.text for q in open_questions(brief))


def test_identity_and_website_together_keep_the_web_questions() -> None:
    topics = {q.topic for q in open_questions("brand identity and a small website for a cafe")}
    assert "hosting" in topics


@pytest.mark.parametrize(
    "brief",
    [
        "Shopify store for a tea brand",
        "an iOS app for dog walkers",
        "WordPress site for a dentist",
        "React Native app for a gym",
        "Webflow site for an architect",
    ],
)
def test_no_platform_question_when_the_brief_names_the_platform(brief: str) -> None:
    assert "platform" not in {q.topic for q in open_questions(brief)}


def test_hosted_platforms_answer_hosting_and_apps_ask_about_stores() -> None:
    assert "hosting" not in {q.topic for q in open_questions("Shopify store for a tea brand")}
    assert "stores" in {q.topic for q in open_questions("a mobile app for dog walkers")}
    assert "stores" not in {q.topic for q in open_questions("a website for a bakery")}


def test_every_rule_applies_to_something() -> None:
    everyone = frozenset({IDENTITY, WEB, APP})
    assert all(rule.applies(everyone) or rule.only for rule in RULES)


# --- end to end ----------------------------------------------------------------------------


async def test_a_similar_brief_asks_what_the_retros_taught(scope_harness: Harness) -> None:
    reply = await scope_harness.say("/scope Shopify store with a custom theme for a coffee roaster")
    questions = _section(reply, "Questions to ask the client")
    assert any(
        q.startswith("Who delivers the product photos, and by when?") and "`demo-001`" in q
        for q in questions
    ), questions
    assert not any(q.startswith("Who provides the content") for q in questions)
    assert not any(q.startswith("Which platform") for q in questions)  # Shopify is named
    risks = _section(reply, "Risks from past retros")
    assert risks and not any("reuse paid off" in r for r in risks)


async def test_a_logo_brief_gets_identity_questions_only(scope_harness: Harness) -> None:
    reply = await scope_harness.say("/scope logo and packaging labels for a craft bakery")
    questions = " ".join(_section(reply, "Questions to ask the client"))
    assert "hosted" not in questions and "platform" not in questions.lower()
    assert "printer" in questions
    assert "`demo-028`" in questions  # the CMYK lesson of the bakery identity


async def test_a_project_closed_from_the_log_gives_clean_risks(
    scope_harness: Harness,
) -> None:
    added = await scope_harness.say(
        '/projects add name="Matcha tea Shopify store" aliases=matcha estimate=60 '
        "type=e-commerce tags=shopify,custom-theme "
        'summary="Shopify store with a custom theme for a matcha tea brand, subscriptions"'
    )
    assert added.text.startswith("Added"), added.text
    for line in (
        "/log matcha blocker: product photos still missing from the client",
        "/log matcha done: homepage, 20h",
        "/log matcha decision: subscriptions through the Shopify app, not custom code",
        "/log matcha the client was great, 40h",
    ):
        assert (await scope_harness.say(line)).text.startswith("Logged"), line
    closed = await scope_harness.say("/projects close matcha 64")
    assert closed.text.startswith("Closed"), closed.text

    reply = await scope_harness.say("/scope Shopify store with a custom theme for a matcha brand")
    assert "Matcha tea Shopify store" in reply.text  # the closed project is an analogue
    risks = _section(reply, "Risks from past retros")
    assert risks, reply.text
    joined = "\n".join(risks)
    assert "blocker:" not in joined.lower() and "decision:" not in joined.lower()
    assert "was great" not in joined and "homepage" not in joined
    assert any(
        r.startswith("Held the work up: product photos still missing from the client")
        for r in risks
    ), risks
