"""Change requests: what a client asks for beyond the agreed scope, judged, priced, decided.

- :mod:`bot.changes.judge` — included / extra / unclear against the agreed scope, citing the line;
- :mod:`bot.changes.pricing` — hours with a band from the studio's past pieces of work (the
  ``/scope`` engine) and the delivery impact at the studio's capacity;
- :mod:`bot.changes.order` — the change-order text for the client and its Markdown export;
- :mod:`bot.changes.records` — the requests in the state database and the client's decision.

The skill is :mod:`bot.skills.changes`.
"""
