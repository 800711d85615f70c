"""Synthetic past projects for the reliability tests: varied, deterministic, tenant-marked."""

from __future__ import annotations

import datetime as dt
import random

from knowledge.models import PastProject

KINDS = (
    ("shopify", "Shopify store with a custom theme", ["shopify", "liquid", "e-commerce"]),
    ("wordpress", "WordPress marketing site with a blog", ["wordpress", "php", "cms"]),
    ("mobile", "iOS and Android app in React Native", ["react-native", "mobile", "api"]),
    ("webapp", "Django web app with a customer dashboard", ["django", "python", "postgres"]),
    ("branding", "Brand identity: logo, palette and style guide", ["design", "branding"]),
    ("integration", "Stripe and HubSpot integration for a SaaS", ["stripe", "hubspot", "api"]),
    ("data", "Analytics dashboard over a data warehouse", ["analytics", "sql", "dashboards"]),
    ("migration", "Migrate a legacy PHP site to Next.js", ["nextjs", "react", "migration"]),
)
EXTRAS = (
    "multi-language content",
    "a booking calendar",
    "single sign-on",
    "an admin panel",
    "payment subscriptions",
    "accessibility fixes",
    "a headless CMS",
    "offline mode",
)


def make_projects(count: int, marker: str, seed: int = 7) -> list[PastProject]:
    """``count`` closed projects whose client names carry ``marker`` (ids repeat per marker)."""
    chooser = random.Random(seed)
    projects = []
    for number in range(count):
        kind, title, tags = KINDS[number % len(KINDS)]
        extra = chooser.choice(EXTRAS)
        estimate = chooser.uniform(20, 400)
        started = dt.date(2022, 1, 1) + dt.timedelta(days=chooser.randrange(0, 900))
        projects.append(
            PastProject(
                id=f"p{number:05d}",
                title=f"{title} #{number}",
                summary=f"{title} with {extra}. Delivered for {marker} client {number}.",
                client=f"{marker} client {number}",
                type=kind,
                tags=tags,
                estimated_hours=round(estimate, 1),
                actual_hours=round(estimate * chooser.uniform(0.8, 1.7), 1),
                started=started,
                finished=started + dt.timedelta(days=chooser.randrange(10, 120)),
                phases={"design": round(estimate * 0.3, 1), "build": round(estimate * 0.7, 1)},
                lessons=[f"{extra} took longer than planned"],
            )
        )
    return projects


QUERIES = (
    "how long would a Shopify store with a custom theme take?",
    "marketing website on WordPress with a blog and two languages",
    "React Native app with login and push notifications",
    "customer dashboard in Django",
    "logo and brand guidelines for a bakery",
    "connect Stripe subscriptions to HubSpot",
    "analytics dashboards on top of our warehouse",
    "move our old PHP site to Next.js",
    "booking calendar with payments",
    "single sign-on and an admin panel",
)
