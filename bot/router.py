"""Routing: which command a request runs.

Slash commands route by name. Free text (a mention or a DM) is matched against the intents the
skills registered, highest priority first; ``/command args`` typed as text also works.

Some messages are never a brief, whatever words they share with one: a greeting, thanks, a
call for help, a question about hours already logged or about a project's status.
:func:`not_a_brief` recognises them, so that free text never reaches the estimator's broad
"how many hours…" intent, and ``/scope`` can hand them to the skill that answers them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.messages import Request
from bot.registry import SkillRegistry

# Leading mentions of the bot ("<@U123>", "@atelier") are noise for routing.
_LEADING_MENTION = re.compile(r"^\s*(?:<@[!&]?[A-Za-z0-9]+>|@\w+)[\s,:]*")

# Intents at or above this priority are specific commands ("log acme: …") and win over the
# built-in recognisers below; the estimator's broad question intent sits below it.
SPECIFIC_INTENT = 60


@dataclass(frozen=True)
class Route:
    command: str | None  # None: nothing matched
    text: str
    reason: str = ""  # why a built-in rule chose it ("greeting", "worklog"…), for callers


def clean_text(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _LEADING_MENTION.sub("", text, count=1)
    return text.strip()


# --- messages that are not a brief -------------------------------------------------------

_END = r"[\s!.?,:;)\-–—]*$"
_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|howdy|yo|heya|greetings|good\s+(?:morning|afternoon|evening|day)|"
    r"morning|evening)(?:\s+(?:there|all|team|everyone|folks|atelier|bot|again))?" + _END,
    re.IGNORECASE,
)
_THANKS = re.compile(
    r"^(?:(?:ok(?:ay)?|great|perfect|awesome|cool|nice|brilliant|lovely|super)[\s,!.]*)?"
    r"(?:thanks?(?:\s+(?:a\s+lot|so\s+much|again|you|a\s+bunch|mate))*|thank\s+you"
    r"(?:\s+(?:so|very)\s+much)?|thx|ty|cheers|much\s+appreciated|got\s+it|sounds\s+good|"
    r"ok(?:ay)?|great|perfect|awesome|cool|nice|brilliant|lovely|super)"
    r"(?:\s+(?:atelier|bot))?" + _END,
    re.IGNORECASE,
)
_HELP = re.compile(
    r"^(?:help(?:\s+me)?|\?+|usage|commands|what\s+can\s+you\s+do|what\s+do\s+you\s+do|"
    r"how\s+do(?:es)?\s+(?:this|it|you)\s+work|what\s+are\s+(?:the|your)\s+commands)" + _END,
    re.IGNORECASE,
)
# A question or a request to see something, not the description of a job.
_ASKING = re.compile(
    r"^(?:so\s+|and\s+|ok\s+|hey\s+)?(?:how|what|what's|which|when|where|who|did|have|has|do|"
    r"does|is|are|show|list|see|view|open|give|tell|can\s+you\s+(?:show|tell|list|give)|"
    r"could\s+you\s+(?:show|tell|list|give)|any)\b",
    re.IGNORECASE,
)
# "how many hours have I logged", "what did we log on acme": about work already logged.
_WORKLOG_STRONG = re.compile(
    r"\b(?:have|had|did|has)\s+(?:i|we|you|they|\w+)\s+(?:already\s+)?(?:logged|log|spent|"
    r"worked|tracked|billed|recorded|put\s+in|booked)\b|"
    r"\b(?:i|we)(?:'ve|\s+have)\s+(?:already\s+)?(?:logged|spent|worked|tracked|billed|"
    r"recorded|booked)\b",
    re.IGNORECASE,
)
# "hours logged this week?", "show me my log": the same, when asked as a question.
_WORKLOG_WEAK = re.compile(
    r"\b(?:hours|time)\s+(?:logged|tracked|spent|worked|billed|booked|so\s+far)\b|"
    r"\b(?:logged|tracked|billable|billed)\s+(?:hours|time)\b|"
    r"\b(?:my|our|the)\s+(?:hours|timesheet|time\s*sheet|time\s+log|work\s*log|log|logs|"
    r"entries)\b",
    re.IGNORECASE,
)
# Words of a job to size: a question containing them may be a brief after all.
_JOB = re.compile(
    r"\b(?:would|will|could|might)\b.{0,80}\b(?:take|cost)\b|"
    r"\b(?:build|make|create|develop|design|quote|estimate|scope|app|website|site|shop|store)\b",
    re.IGNORECASE | re.DOTALL,
)
# "status of acme", "how is acme going", "is acme on track", "where are we with acme"
_STATUS = re.compile(
    r"^(?:(?:what(?:'s|\s+is)|show\s+me|give\s+me|tell\s+me|any|an?)\s+)?(?:the\s+)?"
    r"(?:current\s+|latest\s+)?(?:status|progress|update|news)\s+(?:of|on|for|with)\s+"
    r"(?:the\s+)?(?P<of>.+?)" + _END + r"|"
    r"^(?:how(?:'s|\s+is|\s+are)|is|are)\s+(?:the\s+|our\s+|my\s+)?(?P<going>.{1,60}?)\s+"
    r"(?:going|doing|coming\s+along|on\s+track|progressing|behind|on\s+schedule)" + _END + r"|"
    r"^where\s+are\s+(?:we|things)\s+(?:at\s+)?(?:with|on)\s+(?:the\s+)?(?P<where>.+?)"
    + _END
    + r"|^(?:what(?:'s|\s+is)\s+)?(?:the\s+)?(?:project\s+)?(?:status|progress)"
    + _END
    + r"|^(?:what(?:'s|\s+is)\s+)?(?:the\s+)?(?P<named>[\w.&'-]+(?:\s+[\w.&'-]+){0,3}?)\s+"
    r"(?:project\s+)?status" + _END,
    re.IGNORECASE,
)
# "how long did the coffee shop take?": a question about history, not a new job.
_HISTORY = re.compile(
    r"^(?:so\s+)?how\s+(?:long|many\s+hours|much\s+time)\s+did\s+(?:the\s+|our\s+|my\s+)?"
    r"(?P<what>.+?)\s+(?:take|need|run|last)\b",
    re.IGNORECASE,
)
# The project a question names: "… on acme", "… for the acme shop this week?"
_PREPOSITION = re.compile(r"\b(?:on|for|against|in|to|with)\s+", re.IGNORECASE)
_TRAILING_TIME = re.compile(
    r"(?:\s+project)?(?:\s+(?:so\s+far|this\s+(?:week|month|year)|last\s+(?:week|month)|"
    r"today|yesterday|recently|lately|in\s+total|overall))*" + _END,
    re.IGNORECASE,
)
_NOT_A_PROJECT = re.compile(
    r"^(?:it|this|that|them|total|all|everything|each|every|me|us|you|the|a|an|client|"
    r"(?:this|last|next)\s+(?:week|month|year)|today|yesterday|projects?|all\s+projects?|"
    r"my\s+projects?|average|hours?|time|so\s+far)$",
    re.IGNORECASE,
)


_PROJECT_TAIL = 200  # characters


def _project_named(text: str) -> str | None:
    """The project after the last preposition that names one ("… on the checkout for acme")."""
    text = text[-_PROJECT_TAIL:]  # a project is named at the end of a short question
    for found in reversed(list(_PREPOSITION.finditer(text))):
        rest = _TRAILING_TIME.sub("", text[found.end() :])
        name = re.sub(r"^(?:the|project)\s+", "", rest.strip(" '\""), flags=re.IGNORECASE)
        if name and len(name) <= 60 and not _NOT_A_PROJECT.match(name):
            return name
    return None


def _status_subject(found: re.Match[str]) -> str | None:
    for group in ("of", "going", "where", "named"):
        subject = found.group(group)
        if subject:
            subject = subject.strip(" '\"")
            if len(subject) > _PROJECT_TAIL // 2 or _NOT_A_PROJECT.match(subject):
                return None
            return subject
    return None


def _is_worklog_question(text: str) -> bool:
    if not (_ASKING.match(text) or text.rstrip().endswith("?")):
        return False
    if _WORKLOG_STRONG.search(text):
        return True
    return bool(_WORKLOG_WEAK.search(text)) and not _JOB.search(text)


# "how many hours this week?", "billable hours last month on acme?": totals for a period, which
# `/log summary` answers (hours per project and person, billable, amounts).
_SUMMARY_PERIOD = re.compile(
    r"\b(?P<period>(?:this|last)\s+(?:week|month|year)|today|yesterday)\b", re.IGNORECASE
)
_SUMMARY_TOTALS = re.compile(
    r"\b(?:how\s+many\s+hours|how\s+much\s+time|hours|billable|billed|timesheet|time\s*sheet)\b",
    re.IGNORECASE,
)


def _summary_question(text: str) -> Route | None:
    period = _SUMMARY_PERIOD.search(text)
    if period is None or not _SUMMARY_TOTALS.search(text):
        return None
    short = len(text.split()) <= 5  # "hours this week", "timesheet last month"
    if not (_ASKING.match(text) or text.rstrip().endswith("?") or short):
        return None
    project = _project_named(text)
    if _JOB.search(text.replace(project, " ") if project else text):
        return None
    words = ["summary", " ".join(period.group("period").lower().split())]
    return Route("log", " ".join([*words, project] if project else words), "summary")


def not_a_brief(text: str) -> Route | None:
    """The route for a message that cannot be a brief, or None when it may be one.

    ``Route.command`` is the skill that answers it (``help``, ``log`` with the project named,
    ``projects`` for hours or history across projects, ``log summary <period>`` for hours in a
    period) or None for small talk, which the caller answers itself.
    """
    text = clean_text(text)
    if not text:
        return None
    if _HELP.match(text):
        return Route("help", "", "help")
    if _GREETING.match(text):
        return Route(None, "", "greeting")
    if _THANKS.match(text):
        return Route(None, "", "thanks")
    if summary := _summary_question(text):
        return summary
    if _is_worklog_question(text):
        project = _project_named(text)
        if project:
            return Route("log", project, "worklog")
        return Route("projects", "active", "worklog")
    status = _STATUS.search(text)
    if status:
        project = _status_subject(status)
        if project:
            return Route("log", project, "status")
        return Route("projects", "active", "status")
    history = _HISTORY.match(text)
    if history:
        return Route("projects", "search " + history.group("what").strip(), "history")
    return None


# --- routing -----------------------------------------------------------------------------


def route(request: Request, registry: SkillRegistry) -> Route:
    if request.command:
        name = request.command.strip().lstrip("/").lower()
        return Route(name if name in registry.commands else None, request.text.strip())
    text = clean_text(request.text)
    if request.attachments:
        # A file shared with Atelier is history to import; its message may add the flags.
        flags = " ".join(w for w in text.lower().split() if w in {"confirm", "update"})
        return Route("projects", f"import {flags}".strip(), "attachment")
    if text.startswith("/"):
        name, _, rest = text[1:].partition(" ")
        name = name.lower()
        return Route(name if name in registry.commands else None, rest.strip())
    if not text:
        return Route(None, "")
    checked = False
    for intent in registry.intents:
        if not checked and intent.priority < SPECIFIC_INTENT:
            checked = True
            special = _built_in(text, registry)
            if special is not None:
                return special
        matched = intent.match(text)
        if matched is not None:
            return Route(intent.command, matched)
    special = None if checked else _built_in(text, registry)
    return special or Route(None, text)


def _built_in(text: str, registry: SkillRegistry) -> Route | None:
    special = not_a_brief(text)
    if special is None or (special.command and special.command not in registry.commands):
        return None
    return special
