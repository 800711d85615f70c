"""What may reach a client: one set of leak rules for user text and model text alike.

``LeakFilter(other_clients, own_names)`` judges text line by line: internal markers (in any
markdown, Unicode or language variant), rates and margins, other clients' names; it keeps pings
from working. ``find_links`` lists every link a text carries, for checking model text against
the facts. Judging always happens on :func:`normalise`-d text; what goes out is the original.
"""

from bot.leaks._filter import REASONS, Filtered, LeakFilter, Reason, Verdict, Withheld
from bot.leaks._internal import cut_internal_parentheticals, is_internal, is_marker_only
from bot.leaks._links import canonical, find_links, written_links
from bot.leaks._money import mentions_rate_or_margin
from bot.leaks._normalise import normalise, strip_lead, visible

__all__ = [
    "REASONS",
    "Filtered",
    "LeakFilter",
    "Reason",
    "Verdict",
    "Withheld",
    "canonical",
    "cut_internal_parentheticals",
    "find_links",
    "is_internal",
    "is_marker_only",
    "mentions_rate_or_margin",
    "normalise",
    "strip_lead",
    "visible",
    "written_links",
]
