"""Texts that tried to leak studio-only information to a client, and look-alikes that must not
be mistaken for them. Each carries its expected verdict; ``test_attack_corpus`` runs them all.

Judged with :data:`OTHER_CLIENTS` as the tenant's other clients and :data:`OWN_NAMES` as the
names the text may use (its project and client).
"""

from __future__ import annotations

OTHER_CLIENTS = ("Nordlys", "Zephyr Holdings", "Bloom Bakery")
OWN_NAMES = ("Acme web shop", "Acme Corp", "acme", "shop")

# (line, verdict): "internal" / "rate" / "other_client" are blocked for that reason, "allowed"
# reaches the client.
USER_LINES: tuple[tuple[str, str], ...] = (
    # Internal markers, in every spelling people and paste buffers produce.
    ("internal: client pays late", "internal"),
    ("Internal: client pays late", "internal"),
    ("INTERNAL: client pays late", "internal"),
    ("*internal:* client pays late", "internal"),
    ("**internal:** client pays late", "internal"),
    ("_internal_: client pays late", "internal"),
    ("__internal__: client pays late", "internal"),
    ("`internal`: client pays late", "internal"),
    ("~~internal~~: client pays late", "internal"),
    ("||internal||: client pays late", "internal"),
    ("internal note: client pays late", "internal"),
    ("Internal notes: client pays late", "internal"),
    ("internal. client pays late", "internal"),
    ("internal; client pays late", "internal"),
    ("internal - client pays late", "internal"),
    ("internal — client pays late", "internal"),
    ("> internal: client pays late", "internal"),
    (">> internal: client pays late", "internal"),
    ("- internal: client pays late", "internal"),
    ("* internal: client pays late", "internal"),
    ("1. internal: client pays late", "internal"),
    ("- **Internal:** client pays late", "internal"),
    ("> **internal note:** client pays late", "internal"),
    ("\u200binternal: client pays late", "internal"),
    ("\ufeffinternal: client pays late", "internal"),
    ("in\u200bter\u200dnal: client pays late", "internal"),
    ("\u202einternal: client pays late", "internal"),
    ("ｉｎｔｅｒｎａｌ： client pays late", "internal"),
    ("іnternal: client pays late", "internal"),  # Cyrillic і
    ("internal∶ client pays late", "internal"),  # U+2236 ratio sign as a colon
    ("internal꞉ client pays late", "internal"),  # U+A789 modifier colon
    ("ІNTERNAL: client pays late", "internal"),  # Cyrillic І
    ("private: client pays late", "internal"),
    ("Private - client pays late", "internal"),
    ("confidential: client pays late", "internal"),
    ("CONFIDENTIAL — client pays late", "internal"),
    ("note to self: chase the invoice", "internal"),
    ("Note to self — chase the invoice", "internal"),
    ("intern: Kunde zahlt spät", "internal"),
    ("interne : le client paie en retard", "internal"),
    ("vertraulich: Kunde zahlt spät", "internal"),
    ("privé : le client paie en retard", "internal"),
    ("done: internal: client pays late", "internal"),
    ("blocker: private: client pays late", "internal"),
    ("checkout done; internal: client pays late", "internal"),
    ("fixed the invoice template #internal", "internal"),
    ("call with the accountant (internal)", "internal"),
    ("[private] talk about the invoice", "internal"),
    ("not for the client: they pay late", "internal"),
    ("do not share with the client: they pay late", "internal"),
    ("internal only: they pay late", "internal"),
    ("off the record: they pay late", "internal"),
    ("**Internal**", "internal"),
    ("## Internal notes", "internal"),
    # Rates, margins and what the studio keeps.
    ("margin 30%", "rate"),
    ("30% margin", "rate"),
    ("Marge 30%", "rate"),
    ("marge de 30 %", "rate"),
    ("€95 hourly", "rate"),
    ("95 EUR hourly", "rate"),
    ("rate €95", "rate"),
    ("bill rate 95", "rate"),
    ("95/hrs", "rate"),
    ("€760 daily", "rate"),
    ("95 eur/std", "rate"),
    ("€95∕h", "rate"),  # U+2215 division slash
    ("€95⁄h", "rate"),  # U+2044 fraction slash
    ("$95/hour", "rate"),
    ("95 per hour", "rate"),
    ("we charge 90 an hour", "rate"),
    ("€800 a day", "rate"),
    ("95€/h", "rate"),
    ("€1.2k/day", "rate"),
    ("USD 120 per hour", "rate"),
    ("rate: 95", "rate"),
    ("day rate agreed with them", "rate"),
    ("our hourly rate went up", "rate"),
    ("rate card attached", "rate"),
    ("20% markup on the licences", "rate"),
    ("mark-up on hosting", "rate"),
    ("markup of 15% on fonts", "rate"),
    ("profit on this one is great", "rate"),
    ("cost price of the theme is low", "rate"),
    ("we resell the plugin at cost", "rate"),
    ("ｍａｒｇｉｎ ３０％", "rate"),
    ("**margin** 30%", "rate"),
    ("margin: 30 %", "rate"),
    ("gross margin looks fine", "rate"),
    ("our margin is thin", "rate"),
    ("margins are thin this month", "rate"),
    ("Stundensatz 95 €", "rate"),
    ("TJM 600", "rate"),
    ("taux horaire 80", "rate"),
    ("Gewinnmarge 25%", "rate"),
    ("we underquoted the CMS", "rate"),
    ("padded the estimate by 10h", "rate"),
    ("> - **rate €95**", "rate"),
    ("ninety-five euros an hour", "rate"),
    ("a margin of thirty percent", "rate"),
    ("€ 95 per hour", "rate"),
    ("EUR95/h", "rate"),
    # Other clients of the studio.
    ("reused the Nordlys theme", "other_client"),
    ("same checkout as NORDLYS", "other_client"),
    ("**Nordlys** asked for the same thing", "other_client"),
    ("like we did for Zephyr Holdings", "other_client"),
    ("zephyr's old site had this bug", "other_client"),
    ("Bloom Bakery launched with this theme", "other_client"),
    ("Ｎｏｒｄｌｙｓ layout reused", "other_client"),
    # Look-alikes that are ordinary work and must reach the client.
    ("internalised the checkout flow", "allowed"),
    ("internal links on the blog fixed", "allowed"),
    ("Internal API refactored", "allowed"),
    ("internal search results page", "allowed"),
    ("internationalisation done", "allowed"),
    ("private beta launched", "allowed"),
    ("confidentiality page added", "allowed"),
    ("privacy policy page", "allowed"),
    ("rate limiting fixed", "allowed"),
    ("rate limiting on the API", "allowed"),
    ("conversion rate up to 3%", "allowed"),
    ("bounce rate 40% lower", "allowed"),
    ("tax rate 19% applied at checkout", "allowed"),
    ("frame rate 60 fps on the hero animation", "allowed"),
    ("first-rate photos received", "allowed"),
    ("margin of the header set to 30px", "allowed"),
    ("margin: 16px on mobile", "allowed"),
    ("fixed the page margins", "allowed"),
    ("HTML markup cleaned up", "allowed"),
    ("semantic markup for the footer", "allowed"),
    ("non-profit landing page", "allowed"),
    ("spent $100 on fonts", "allowed"),
    ("hosting is $20/month", "allowed"),
    ("24/7 monitoring set up", "allowed"),
    ("2 hours per day of QA", "allowed"),
    ("done: checkout, 2h", "allowed"),
    ("next: payment page", "allowed"),
    ("Acme web shop: checkout is live", "allowed"),
    ("Acme Corp approved the design", "allowed"),
    ("Nordic colour palette chosen", "allowed"),
    ("B2B wholesale ordering with customer price lists", "allowed"),
    ("net-30 invoicing via a small custom app", "allowed"),
    ("pricing page redesigned", "allowed"),
)

# (entry, what must reach the client, what must not): whole entries through the update text.
MULTI_LINE: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "done: checkout, 2h\ninternal: client pays late, margin 30%\nnext: payment page",
        ("Checkout", "Payment page"),
        ("pays late", "30%", "margin"),
    ),
    (
        "done: checkout\n**Internal notes:**\n- client pays late\n- margins are thin\n"
        "next: cart page",
        ("Checkout", "Cart page"),
        ("pays late", "margins are thin"),
    ),
    (
        "done: checkout (internal: client pays late)\nnext: payment page",
        ("Checkout", "Payment page"),
        ("pays late", "internal"),
    ),
    (
        "done: homepage\nour rate is €95/h\nnext: blog",
        ("Homepage", "Blog"),
        ("95",),
    ),
    ("done: theme like Nordlys\ndone: cart", ("Cart",), ("Nordlys",)),
    ("internal: client pays late\nmargin 30% on this one\nnext: QA round", ("QA round",),
     ("pays late", "30%")),
    ("> internal: client pays late\n- done: checkout", ("Checkout",), ("pays late",)),
    ("\ufeffinternal: client pays late\nnext: launch", ("Launch",), ("pays late",)),
    ("blocker: waiting for the keys\nQ: which logo?\nprivate: chase the invoice",
     ("Waiting for the keys", "Which logo?"), ("invoice",)),
    ("*done:* header\n_internal_: client pays late\n**next:** footer", ("Header", "Footer"),
     ("pays late",)),
)  # fmt: skip

# Mentions that would notify a whole channel, group or role: neutralised in what goes out.
PINGS: tuple[str, ...] = (
    "@channel launch is live",
    "@everyone launch is live",
    "@here launch is live",
    "<!channel> launch is live",
    "<!everyone> launch is live",
    "<!here> launch is live",
    "<!here|here> launch is live",
    "<!subteam^S012AB|@designers> look",
    "<@&123456789> launch is live",
    "@@here launch is live",
)

# A model's re-phrasing of tests.compose.conftest.DRAFT, and what happens to it: "used", or the
# fragment the fallback reason must contain ("" for any reason).
GROUNDED = (
    "Hello Acme Bakery team! Quick news on the Bloom Studio storefront: checkout is done and "
    "the product pages are next. We have used 42.5 of the 120 budgeted hours ($4.25k of "
    "$12k) and are on track for March 15, 2026."
)
COMPOSED: tuple[tuple[str, str], ...] = (
    (GROUNDED, "used"),
    (GROUNDED.replace("the 120 budgeted", "the one hundred and twenty budgeted"), "used"),
    (GROUNDED + " That is twelve thousand dollars in total.", "used"),
    # Links in every shape.
    (GROUNDED + " Pay at evil.com/pay.", "link"),
    (GROUNDED + " Details: //evil.example/pay", "link"),
    (GROUNDED + ' <a href="https://evil.example/pay">Invoice</a>', "link"),
    (GROUNDED + " [the invoice](https://evil.example/pay)", "link"),
    (GROUNDED + " <https://evil.example/pay|the invoice>", "link"),
    (GROUNDED + " See www.evil.example.", "link"),
    (GROUNDED + " Pay at ｅｖｉｌ．ｃｏｍ/pay.", "link"),
    # Numbers in words, checked like digits.
    (GROUNDED + " That is twelve thousand five hundred dollars.", "number"),
    (GROUNDED + " We need a dozen more hours.", "number"),
    (GROUNDED + " About fifteen percent is left.", "percent"),
    # A figure equal to a fact, but with another unit or role.
    (GROUNDED + " That is 120% of the plan.", "percent"),
    (GROUNDED + " An extra $120 covers it.", "number"),
    (GROUNDED + " We expect 120 days more.", "number"),
    # What the leak rules withhold from user text, invented by the model.
    (GROUNDED + "\ninternal: the client pays late.", "leaks: internal"),
    (GROUNDED + "\n**Internal note:** they pay late.", "leaks: internal"),
    (GROUNDED + " Note to self: chase the invoice.", "leaks: internal"),
    (GROUNDED + " We keep a healthy margin on this.", "leaks: rate"),
    (GROUNDED + " Our day rate stays the same.", "leaks: rate"),
    (GROUNDED + " Our margin is 120%.", ""),  # refused twice over: any reason will do
)  # fmt: skip


def corpus_size() -> int:
    return len(USER_LINES) + len(MULTI_LINE) + len(PINGS) + len(COMPOSED)
