"""Every way a text can carry a link, for checking links a model wrote against the facts.

Found: ``https://…`` and ``www.…``, protocol-relative ``//evil.example``, bare domains with or
without a path (``evil.com/pay``), ``mailto:``, HTML anchors (``<a href=…>``), markdown links
(``[label](url)``) and Slack links (``<https://x|label>``). Each link is given as its target,
lower-cased, without a trailing ``/`` and without the scheme, so that the same address written
two ways compares equal.
"""

from __future__ import annotations

import re

from bot.leaks._normalise import visible

_TLD = (
    r"(?:com|net|org|io|co|dev|app|ai|me|info|biz|xyz|example|test|shop|store|site|online"
    r"|link|page|tech|cloud|digital|agency|studio|design|pay|money|finance|bank|click|top"
    r"|[a-z]{2})"
)
_HREF = re.compile(r"""<\s*a\b[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_MARKDOWN = re.compile(r"\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?[^)]*\)")
_SLACK = re.compile(r"<((?:https?|mailto|ftp):[^|>\s]+)(?:\|[^>]*)?>", re.IGNORECASE)
_SCHEME = re.compile(r"\b(?:https?|ftp|mailto|tel|javascript|data):[^\s<>()\"'|\]]+", re.IGNORECASE)
_WWW = re.compile(r"\bwww\.[^\s<>()\"'|\]]+", re.IGNORECASE)
_PROTOCOL_RELATIVE = re.compile(r"(?<![:\w/])//[a-z0-9-]+(?:\.[a-z0-9-]+)+[^\s<>()\"'|\]]*", re.I)
_BARE = re.compile(
    r"(?<![\w@./-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+" + _TLD + r"\b(?![\w-])"
    r"(?:[:/][^\s<>()\"'|\]]*)?",
    re.IGNORECASE,
)
# File names and version strings that look like domains but are not links.
_NOT_LINKS = re.compile(
    r"^[\w.-]+\.(?:js|ts|py|md|css|html?|json|php|rb|go|rs|txt|pdf|png|jpe?g|svg|gif|csv|zip)$"
    r"|^(?:node|next|vue|nuxt|asp|three|chart|d3|socket|ember|backbone)\.(?:js|net)$"
    r"|^(?:e\.g|i\.e|etc|vs|approx)\.?$",
    re.IGNORECASE,
)


def canonical(link: str) -> str:
    """The comparable form of a link target."""
    link = link.strip().rstrip(".,;:!?)'\"").lower()
    link = re.sub(r"^(?:https?:)?//", "", link)
    link = re.sub(r"^www\.", "", link)
    return link.rstrip("/")


def find_links(text: str) -> list[str]:
    """Every link target in ``text``, canonical, in order, without repeats."""
    links = [canonical(link) for link in written_links(text)]
    return list(dict.fromkeys(link for link in links if link))


def written_links(text: str) -> list[str]:
    """Every link target in ``text`` as written (trailing punctuation dropped), in order."""
    text = visible(text)
    found: list[str] = []
    rest = text
    for pattern in (_HREF, _MARKDOWN, _SLACK):
        found += [m.group(1) for m in pattern.finditer(rest)]
        rest = pattern.sub(" ", rest)
    for pattern in (_SCHEME, _WWW, _PROTOCOL_RELATIVE):
        found += [m.group(0) for m in pattern.finditer(rest)]
        rest = pattern.sub(" ", rest)
    for match in _BARE.finditer(rest):
        if not _NOT_LINKS.match(match.group(0).rstrip(".,;:!?")):
            found.append(match.group(0))
    written = [link.strip().rstrip(".,;:!?)'\"") for link in found]
    return list(dict.fromkeys(link for link in written if canonical(link)))


__all__ = ["canonical", "find_links", "written_links"]
