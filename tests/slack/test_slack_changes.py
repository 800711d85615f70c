"""Change requests through Slack: /change answers privately with buttons, the change order is
drafted in the requester's DMs, approved, posted to the client channel on Slack's confirmation,
and the client's answer raises the project — signed requests against the fake Web API."""

from __future__ import annotations

import json

from sqlalchemy import select

from state import ActiveProject, PostAudit
from tests.slack.conftest import payload
from tests.slack.test_slack_product import ACME, CLIENT_CHANNEL, _buttons, _click, _run

ACME_SCOPE = ACME + ' summary="Shopify store with product pages and a brew guide blog."'


async def test_change_order_buttons_from_judgement_to_client_channel(product_slack) -> None:
    slack = product_slack
    assert "Added" in (await _run(slack, "projects", f"add {ACME_SCOPE}")).text

    judged = await _run(slack, "change", "acme a loyalty points program, about 6h")
    assert judged.payload["response_type"] == "ephemeral"
    assert "Extra:" in judged.text and "6 h" in judged.text
    assert {"Draft change order", "Client approved", "Declined"} <= set(_buttons(judged))
    assert not [c for c in slack.fake.calls if c.payload.get("channel") == CLIENT_CHANNEL]

    await _click(slack, judged, "Draft change order", "C0WORK")
    (draft,) = slack.fake.of("chat.postMessage")
    assert draft.payload["channel"] == "DU0ALICE"
    assert "Draft change order — Acme web shop" in draft.text and "$600" in draft.text

    await _click(slack, draft, "Approve", "DU0ALICE")
    approved = slack.fake.of("response_url")[-1]
    assert "Approved change order" in approved.text
    await _click(slack, approved, "Post to client channel", "DU0ALICE")
    (posted,) = [
        c for c in slack.fake.of("chat.postMessage") if c.payload["channel"] == CLIENT_CHANNEL
    ]
    assert "a loyalty points program" in posted.text and "confirm" in posted.text
    assert "only you can see this" not in posted.text and "Private notes" not in posted.text

    await _click(slack, approved, "Client approved", "DU0ALICE")
    told = slack.fake.of("response_url")[-1]
    assert "estimate 40 h → 46 h" in told.text and "budget $6,000 → $6,600" in told.text
    async with slack.adapter.bot.services.db.sessions() as session:
        query = select(ActiveProject).where(ActiveProject.id == "acme-web-shop")
        project = (await session.execute(query)).scalar_one()
        audits = list((await session.execute(select(PostAudit))).scalars())
    assert len(audits) == 1 and audits[0].channel_id == CLIENT_CHANNEL
    assert project.estimate_hours == 46 and project.budget == 6600

    # The same button again: recorded already, nothing changes.
    await _click(slack, approved, "Client approved", "DU0ALICE")
    assert "already approved" in slack.fake.of("response_url")[-1].text


async def test_change_form_opens_as_a_modal_and_validates_in_place(product_slack) -> None:
    slack = product_slack
    assert "Added" in (await _run(slack, "projects", f"add {ACME_SCOPE}")).text
    status, _ = await slack.command("change", "")
    assert status == 200
    await slack.fake.wait_for(lambda calls: any(c.method == "views.open" for c in calls))
    await slack.settle()
    view = slack.fake.of("views.open")[0].payload["view"]
    names = [block["block_id"] for block in view["blocks"]]
    assert names == ["project", "request"] and view["submit"]["text"] == "Check scope"

    submitted = payload("view_submission", trigger_id=None)
    submitted["view"] |= {
        "blocks": view["blocks"],
        "private_metadata": view["private_metadata"],
        "callback_id": view["callback_id"],
        "state": {"values": {n: {n: {"type": "plain_text_input", "value": None}} for n in names}},
    }
    values = submitted["view"]["state"]["values"]
    values["project"]["project"]["value"] = "nowhere"
    values["request"]["request"]["value"] = "a loyalty points program, about 6h"
    status, body = await slack.interact(submitted)
    errors = json.loads(body)
    assert errors["response_action"] == "errors" and set(errors["errors"]) == {"project"}

    values["project"]["project"]["value"] = "acme"
    status, body = await slack.interact({**submitted, "trigger_id": None})
    assert (status, body) == (200, "")
    await slack.fake.wait_for(lambda calls: any(c.method == "chat.postEphemeral" for c in calls))
    (judged,) = slack.fake.of("chat.postEphemeral")
    assert "Extra:" in judged.text and "Draft change order" in json.dumps(judged.payload)
