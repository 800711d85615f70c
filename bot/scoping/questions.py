"""The clarifying questions a brief leaves open.

Keyword rules, deliberately simple and predictable: a topic counts as answered when the brief
mentions it (a date for the deadline, an amount for the budget, a platform name…). Better to ask
one question too many than to skip one the client never answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)


@dataclass(frozen=True)
class Question:
    topic: str
    text: str


@dataclass(frozen=True)
class _Rule:
    topic: str
    question: str
    answered: re.Pattern[str]


def _rule(topic: str, question: str, pattern: str) -> _Rule:
    return _Rule(topic, question, re.compile(pattern, re.IGNORECASE))


RULES: tuple[_Rule, ...] = (
    _rule(
        "deadline",
        "When does it need to go live, and is that date fixed (an event, a launch) or flexible?",
        rf"\b(deadline|due|launch(?:es|ing)?\s+(?:on|in|by)|go[- ]live|live\s+by|by\s+(?:{_MONTHS}|"
        r"the\s+end|end\s+of|next|mid|early|late|q[1-4])|within\s+\d+|in\s+\d+\s+(?:days?|weeks?|"
        r"months?)|asap|urgent|timeline|time\s*frame|\d{4}-\d{2}-\d{2})\b",
    ),
    _rule(
        "budget",
        "Is there a budget or a price range the client has in mind?",
        r"(\bbudget|\bprice\s+(?:cap|range)|\bfixed[- ]price|[$€£]\s?\d|\b\d+(?:[.,]\d+)?\s?k?\s?"
        r"(?:usd|eur|gbp|chf|dollars|euros|pounds)\b)",
    ),
    _rule(
        "platform",
        "Which platform or stack: web, iOS/Android, a CMS or shop system they already use?",
        r"\b(ios|android|web\s?(?:site|app|shop)?|website|mobile|desktop|shopify|woocommerce|"
        r"wordpress|webflow|squarespace|wix|magento|react|vue|angular|svelte|flutter|django|"
        r"rails|laravel|next\.?js|nuxt|node|python|php|stack|cms)\b",
    ),
    _rule(
        "integrations",
        "Which other systems must it connect to (payments, CRM, email, accounting, login)?",
        r"\b(integrat\w*|api|apis|stripe|paypal|mollie|crm|hubspot|salesforce|mailchimp|klaviyo|"
        r"erp|sso|oauth|zapier|webhooks?|quickbooks|xero|no\s+integrations?)\b",
    ),
    _rule(
        "content",
        "Who provides the content (copy, images, product data, translations), and when?",
        r"\b(content|copy(?:writing)?|photos?|photography|images?|texts?|translat\w*|"
        r"product\s+data|catalog(?:ue)?|migrat\w*|import)\b",
    ),
    _rule(
        "design",
        "Is there a design (Figma, brand guide, theme) or is design part of the job?",
        r"\b(design\w*|figma|sketch|mock-?ups?|wireframes?|brand\w*|style\s?guide|ui|ux|theme)\b",
    ),
    _rule(
        "hosting",
        "Where will it be hosted, and who owns the domain, accounts and deployment?",
        r"\b(host\w*|aws|azure|gcp|google\s+cloud|vercel|netlify|heroku|fly\.io|server\w*|"
        r"domain|deploy\w*|on[- ]prem\w*)\b",
    ),
    _rule(
        "acceptance",
        "How will the work be accepted: who signs off, and what counts as done?",
        r"\b(acceptance|sign[- ]?off|signs?\s+off|approv\w*|done\s+when|criteria|uat|qa)\b",
    ),
    _rule(
        "maintenance",
        "Is support or maintenance after launch expected (retainer, updates, fixes)?",
        r"\b(maint\w*|support|retainer|sla|warranty|after\s+launch|ongoing)\b",
    ),
)


def open_questions(brief: str) -> list[Question]:
    """The questions whose topic the brief does not mention, in a sensible asking order."""
    return [
        Question(rule.topic, rule.question) for rule in RULES if not rule.answered.search(brief)
    ]


def answered_topics(brief: str) -> list[str]:
    return [rule.topic for rule in RULES if rule.answered.search(brief)]
