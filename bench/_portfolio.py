"""Synthetic portfolios for the benchmarks: many varied, realistic-looking past projects."""

from __future__ import annotations

import datetime as dt
import random

from knowledge.models import PastProject

KINDS = (
    ("shopify", "Shopify store", ["shopify", "liquid", "e-commerce"]),
    ("wordpress", "WordPress site", ["wordpress", "php", "cms"]),
    ("mobile", "mobile app in React Native", ["react-native", "mobile"]),
    ("webapp", "Django web app", ["django", "python", "postgres"]),
    ("branding", "brand identity", ["design", "branding"]),
    ("integration", "API integration", ["api", "stripe", "hubspot"]),
    ("data", "analytics dashboard", ["analytics", "sql"]),
    ("migration", "site migration to Next.js", ["nextjs", "react"]),
    ("landing", "landing page", ["design", "webflow"]),
    ("ios", "native iOS app", ["swift", "ios", "mobile"]),
)
FEATURES = (
    "a custom theme",
    "multi-language content",
    "a booking calendar",
    "single sign-on",
    "an admin panel",
    "payment subscriptions",
    "accessibility fixes",
    "a headless CMS",
    "offline mode",
    "push notifications",
    "a product configurator",
    "a member area",
    "search with filters",
    "a loyalty programme",
    "CRM sync",
    "an onboarding flow",
)
SECTORS = (
    "a bakery",
    "a law firm",
    "a fitness studio",
    "a wine shop",
    "a dental clinic",
    "a travel agency",
    "a furniture maker",
    "a language school",
    "a coffee roaster",
    "a yoga collective",
    "a bike repair chain",
    "a museum",
)
LESSONS = (
    "content arrived late from the client",
    "the payment provider's sandbox was unreliable",
    "scope grew after the first demo",
    "QA on old Android phones took a week",
    "the design review cycle was longer than planned",
    "data migration needed two extra passes",
)

BRIEFS = tuple(
    f"{kind_title} for {sector} with {feature}"
    for kind_title in ("Shopify store", "WordPress site", "React Native app", "Django dashboard")
    for sector in ("a florist", "a gym", "an architect")
    for feature in ("online booking", "a custom theme", "subscriptions", "two languages")
)


def synthetic_projects(count: int, seed: int = 11) -> list[PastProject]:
    """``count`` closed projects with hours, phases, tags and lessons; deterministic."""
    chooser = random.Random(seed)
    projects = []
    for number in range(count):
        kind, title, tags = KINDS[number % len(KINDS)]
        feature, sector = chooser.choice(FEATURES), chooser.choice(SECTORS)
        estimate = round(chooser.uniform(15, 500), 1)
        started = dt.date(2019, 1, 1) + dt.timedelta(days=chooser.randrange(0, 2000))
        projects.append(
            PastProject(
                id=f"bench-{number:06d}",
                title=f"{title.capitalize()} for {sector}",
                summary=f"A {title} for {sector} with {feature}; project {number}.",
                client=f"Client {number % 700}",
                type=kind,
                tags=tags,
                estimated_hours=estimate,
                actual_hours=round(estimate * chooser.uniform(0.8, 1.8), 1),
                price=round(estimate * 100, 2),
                started=started,
                finished=started + dt.timedelta(days=chooser.randrange(7, 150)),
                phases={
                    "discovery": round(estimate * 0.1, 1),
                    "design": round(estimate * 0.3, 1),
                    "build": round(estimate * 0.5, 1),
                    "launch": round(estimate * 0.1, 1),
                },
                lessons=[chooser.choice(LESSONS)],
            )
        )
    return projects


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank: p99 of 200 samples is the 198th."""
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]
