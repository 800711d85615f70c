"""Client documents of every kind (updates, proposals, change orders) on one path:

    private draft → approve → post to the client channel (recorded on the platform's confirmation)

- the state machine and versions: :mod:`bot.drafts` (``Draft.kind`` says which document);
- the leak rules for any client text: :func:`bot.client_guard.document_guard`;
- the shared steps a kind's skill delegates to: :class:`DocumentFlow` (only the requester acts,
  stale buttons change nothing, posting and its outcomes, interrupted sends);
- how a draft reads to its requester: :func:`draft_reply`.

A new kind: a :class:`Subject` loader, a :class:`DocumentFlow` built with it, a skill whose
``on_action`` takes the draft with ``flow.own`` (the requester's, or a plain refusal), handles
its own verbs (draft, regenerate, approve, export) and hands ``post``, ``resend``, ``arrived``
(and, unless its wording is its own, ``discard``) to the flow, and
``registry.delivery(kind, flow.on_delivery)``. Updates, proposals and change orders all do.
"""

from bot.documents.flow import DocumentFlow, Subject, SubjectLoader, button_value, parse_value
from bot.documents.replies import draft_reply

__all__ = ["DocumentFlow", "Subject", "SubjectLoader", "button_value", "draft_reply", "parse_value"]
