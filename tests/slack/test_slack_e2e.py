"""End to end: signed Slack requests in, what Slack would show out (fake Web API on loopback)."""

from __future__ import annotations

import json

from structlog.testing import capture_logs

from tests.slack.conftest import payload
from tests.slack.fake_skills import DRAFT_TEXT
from tests.slack.fake_slack import Call


def _has(method: str, count: int = 1):
    return lambda calls: sum(call.method == method for call in calls) >= count


def _types(call: Call) -> list[str]:
    return [block["type"] for block in call.payload.get("blocks", [])]


# --- slash commands -------------------------------------------------------------------------


async def test_help_acks_at_once_then_answers_privately_through_the_response_url(slack):
    status, body = await slack.command("help")
    assert (status, body) == (200, "")
    await slack.fake.wait_for(_has("response_url"))
    await slack.settle()

    (answer,) = slack.fake.of("response_url")
    assert answer.payload["response_type"] == "ephemeral"
    assert _types(answer)[0] == "header"
    assert "/scope" in answer.text and "```" in answer.text  # the table as a code block
    assert answer.payload["text"].startswith("Atelier")  # the plain fallback is set
    assert not slack.fake.of("chat.postMessage")


async def test_scope_says_working_on_it_then_posts_table_citations_and_chart(slack):
    status, body = await slack.command("scope", "Shopify store with a custom theme")
    assert status == 200
    assert json.loads(body) == {"response_type": "ephemeral", "text": "Working on it…"}
    await slack.fake.wait_for(_has("files.completeUploadExternal"))
    await slack.settle()

    # The ephemeral placeholder cannot become a channel message: it is deleted first.
    placeholder, answer = slack.fake.of("response_url")
    assert placeholder.payload == {"delete_original": True}
    assert answer.payload["response_type"] == "in_channel"
    assert _types(answer) == ["header", "section", "section", "section", "context"]
    assert "Based on *3* similar projects" in answer.text  # **bold** became *bold*
    assert "Harbor Coffee shop     88" in answer.text  # aligned table row, figures to the right
    assert "[p-12] Harbor Coffee shop" in answer.text
    fields = answer.payload["blocks"][2]["fields"]
    assert [f["text"] for f in fields] == ["*P50*\n96 h", "*Price*\n$9,600"]

    (ticket,) = slack.fake.of("files.getUploadURLExternal")
    assert ticket.payload["filename"] == "range.png"
    assert ticket.payload["alt_txt"] == "Estimate range chart"
    (upload,) = slack.fake.of("upload")
    assert upload.payload["png"] is True
    (done,) = slack.fake.of("files.completeUploadExternal")
    assert done.payload["channel_id"] == "C0GENERAL"


async def test_user_text_is_escaped_and_never_pings_the_channel(slack):
    await slack.command("log", "<!channel> @here fixed <b>bold</b> & shipped")
    await slack.fake.wait_for(_has("response_url"))

    (answer,) = slack.fake.of("response_url")
    shown = answer.text
    assert "&lt;!channel&gt;" in shown and "&amp; shipped" in shown
    assert "<!channel>" not in shown and "<b>" not in shown
    assert "@here" not in shown and "@\u200bhere" in shown


async def test_update_draft_goes_only_to_the_requesters_dm(slack):
    await slack.command("update", "harbor")
    await slack.fake.wait_for(_has("response_url"))
    await slack.settle()

    (opened,) = slack.fake.of("conversations.open")
    assert opened.payload["users"] == "U0ALICE"
    (draft,) = slack.fake.of("chat.postMessage")
    assert draft.payload["channel"] == "DU0ALICE"
    assert DRAFT_TEXT in draft.text
    buttons = draft.payload["blocks"][-1]["elements"]
    assert [b["action_id"] for b in buttons] == ["update:approve", "update:discard"]
    assert buttons[0]["style"] == "primary" and buttons[0]["value"] == "draft-1"

    (notice,) = slack.fake.of("response_url")
    assert notice.payload["response_type"] == "ephemeral"
    assert "Draft sent to your DMs." in notice.text
    # Nothing of the draft in the channel where the command was typed.
    for call in slack.fake.calls:
        if call is not draft:
            assert DRAFT_TEXT not in call.text
    assert not slack.fake.of("chat.postEphemeral")


async def test_private_draft_is_never_shown_in_the_channel_when_the_dm_fails(slack):
    slack.fake.errors["conversations.open"] = "cannot_dm_bot"
    await slack.command("update", "harbor")
    await slack.fake.wait_for(_has("response_url"))
    await slack.settle()
    (answer,) = slack.fake.of("response_url")
    assert "couldn't deliver that to your DMs" in answer.text
    assert all(DRAFT_TEXT not in call.text for call in slack.fake.calls)


async def test_post_to_another_channel_goes_there_or_explains_why_not(slack):
    await slack.command("announce", "v2 is live")
    await slack.fake.wait_for(_has("chat.postMessage"))
    await slack.settle()
    (posted,) = slack.fake.of("chat.postMessage")
    assert posted.payload["channel"] == "C0CLIENT" and "v2 is live" in posted.text

    slack.fake.errors["chat.postMessage"] = "not_in_channel"
    await slack.command("announce", "v3 is live")
    await slack.fake.wait_for(_has("response_url"))
    await slack.settle()
    (refusal,) = slack.fake.of("response_url")
    assert "I couldn't post to <#C0CLIENT>" in refusal.text and "Nothing was sent" in refusal.text


async def test_projects_add_opens_a_modal_with_the_trigger_id(slack):
    await slack.command("projects", "add", trigger_id="1334.7384.projects-add")
    await slack.fake.wait_for(_has("views.open"))
    await slack.settle()

    (opened,) = slack.fake.of("views.open")
    assert opened.payload["trigger_id"] == "1334.7384.projects-add"
    view = opened.payload["view"]
    assert view["type"] == "modal" and view["title"]["text"] == "New project"
    assert [block["block_id"] for block in view["blocks"]] == ["title", "estimate_hours"]
    assert json.loads(view["private_metadata"])["channel_id"] == "C0GENERAL"
    assert not slack.fake.posts


async def test_a_long_answer_arrives_in_several_messages_in_order(slack):
    await slack.command("long")
    await slack.fake.wait_for(_has("response_url", 3))
    await slack.settle()
    answers = slack.fake.of("response_url")
    assert len(answers) == 3 and all(len(a.payload["blocks"]) <= 50 for a in answers)
    shown = [block["text"]["text"] for a in answers for block in a.payload["blocks"]]
    assert shown == [f"item {i}" for i in range(120)]  # all of it, in order
    assert all(a.payload["text"].startswith("item ") for a in answers)


async def test_a_failing_skill_still_answers_with_an_error_id(slack):
    await slack.command("boom")
    await slack.fake.wait_for(_has("response_url"))
    (answer,) = slack.fake.of("response_url")
    assert "something went wrong" in answer.text and "error id" in answer.text


# --- mentions and DMs ----------------------------------------------------------------------


async def test_mention_is_answered_in_its_thread(slack):
    event = payload("app_mention")
    event["event"]["text"] = "<@UBOT> how long would a landing page take?"
    status, _ = await slack.event(event)
    assert status == 200
    await slack.fake.wait_for(_has("chat.postMessage"))
    await slack.settle()

    (answer,) = slack.fake.of("chat.postMessage")
    assert answer.payload["channel"] == "C0GENERAL"
    assert answer.payload["thread_ts"] == "1700000000.000100"
    assert "would a landing page take?" in answer.text
    # Heard at once (a reaction, no message in the channel), and the reaction goes with the
    # answer: added before it, removed after it.
    order = [c.method for c in slack.fake.calls if c.method.startswith(("reactions", "chat."))]
    assert order == ["reactions.add", "chat.postMessage", "reactions.remove"]
    added = slack.fake.of("reactions.add")[0].payload
    assert added == {"channel": "C0GENERAL", "timestamp": "1700000000.000100", "name": "eyes"}


async def test_private_answer_to_a_mention_is_ephemeral_in_the_thread(slack):
    await slack.event(payload("app_mention"))  # "<@UBOT> help"
    await slack.fake.wait_for(_has("chat.postEphemeral"))
    (answer,) = slack.fake.of("chat.postEphemeral")
    assert answer.payload["user"] == "U0ALICE"
    assert answer.payload["thread_ts"] == "1700000000.000100"
    assert "Atelier — what I can do" in answer.text


async def test_dm_is_answered_in_the_dm(slack):
    await slack.event(payload("message_im"))
    await slack.fake.wait_for(_has("chat.postMessage"))
    await slack.settle()
    (answer,) = slack.fake.of("chat.postMessage")
    assert answer.payload["channel"] == "D0ALICE"
    assert "what I can do" in answer.text
    assert "thread_ts" not in answer.payload


async def test_dm_author_gets_their_display_name_looked_up_once(slack):
    for number, text in enumerate(("/log first", "/log second")):
        event = payload("message_im", event_id=f"Ev0NAME{number}")
        event["event"]["text"] = text
        await slack.event(event)
        await slack.settle()
    answers = [call.text for call in slack.fake.of("chat.postMessage")]
    assert "Logged for Person U0ALICE: first" in answers[0]
    assert "Logged for Person U0ALICE: second" in answers[1]
    assert len(slack.fake.of("users.info")) == 1  # cached


async def test_bot_messages_and_edits_are_ignored(slack):
    own = payload("message_im", event_id="Ev0BOT")
    own["event"] |= {"bot_id": "BBOT", "user": "UBOT"}
    edited = payload("message_im", event_id="Ev0EDIT")
    edited["event"] |= {"subtype": "message_changed"}
    for event in (own, edited):
        status, _ = await slack.event(event)
        assert status == 200
    await slack.settle()
    assert not slack.fake.posts


async def test_retried_delivery_posts_once(slack):
    event = payload("message_im")
    await slack.event(event)
    await slack.fake.wait_for(_has("chat.postMessage"))
    status, _ = await slack.event(
        event, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert status == 200
    await slack.settle()
    assert len(slack.fake.of("chat.postMessage")) == 1


# --- interactivity -------------------------------------------------------------------------


async def test_button_click_replaces_the_draft_message(slack):
    status, body = await slack.interact(payload("block_actions"))
    assert (status, body) == (200, "")
    await slack.fake.wait_for(_has("response_url"))
    await slack.settle()
    (answer,) = slack.fake.of("response_url")
    assert answer.payload["replace_original"] is True
    assert "Draft draft-1: approved by &lt;@U0ALICE&gt;." in answer.text


async def test_modal_submission_saves_and_confirms_privately(slack):
    status, body = await slack.interact(payload("view_submission"))
    assert (status, body) == (200, "")  # an empty ack closes the modal
    await slack.fake.wait_for(_has("chat.postEphemeral"))
    (answer,) = slack.fake.of("chat.postEphemeral")
    assert answer.payload["channel"] == "C0GENERAL" and answer.payload["user"] == "U0ALICE"
    assert "Saved project *Harbor Coffee storefront* (120 h)." in answer.text


async def test_modal_errors_are_shown_in_the_modal(slack):
    submitted = payload("view_submission")
    values = submitted["view"]["state"]["values"]
    values["estimate_hours"]["estimate_hours"]["value"] = "lots"
    status, body = await slack.interact(submitted)
    assert status == 200
    assert json.loads(body) == {
        "response_action": "errors",
        "errors": {"estimate_hours": "'lots' is not a number of hours"},
    }
    await slack.settle()
    assert not slack.fake.posts


async def test_slow_form_work_keeps_the_modal_open_and_updates_it(slack, monkeypatch):
    import adapters.slack.app

    # Work that misses the ack window (here: any work at all) is answered by views.update.
    monkeypatch.setattr(adapters.slack.app, "FORM_WINDOW_SECONDS", 0.0)
    submitted = payload("view_submission")
    submitted["view"]["state"]["values"]["estimate_hours"]["estimate_hours"]["value"] = "lots"
    status, body = await slack.interact(submitted)
    assert status == 200
    ack = json.loads(body)
    assert ack["response_action"] == "update" and "Saving" in json.dumps(ack["view"])
    await slack.fake.wait_for(_has("views.update"))
    await slack.settle()
    (again,) = slack.fake.of("views.update")
    assert again.payload["view_id"] == submitted["view"]["id"]
    blocks = {b.get("block_id"): b for b in again.payload["view"]["blocks"]}
    assert blocks["estimate_hours"]["element"]["initial_value"] == "lots"  # answers kept
    assert "not a number of hours" in blocks["estimate_hours"]["hint"]["text"]
    assert blocks["title"]["element"]["initial_value"] == "Harbor Coffee storefront"
    assert again.payload["view"]["submit"]  # submit again once fixed
    assert not slack.fake.posts  # nothing saved, nothing said elsewhere

    status, body = await slack.interact(payload("view_submission", trigger_id="1334.fixed"))
    assert status == 200 and json.loads(body)["response_action"] == "update"
    await slack.fake.wait_for(_has("views.update", 2))
    await slack.fake.wait_for(_has("chat.postEphemeral"))
    await slack.settle()
    done = slack.fake.of("views.update")[-1].payload["view"]
    assert "Saved project" in json.dumps(done) and "submit" not in done
    (answer,) = slack.fake.of("chat.postEphemeral")
    assert "Saved project *Harbor Coffee storefront* (120 h)." in answer.text


# --- security and robustness ---------------------------------------------------------------


async def test_url_verification_challenge_is_answered(slack):
    body = {"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification"}  # fmt: skip
    status, text = await slack.event(body)
    assert status == 200 and json.loads(text) == {"challenge": body["challenge"]}
    assert not slack.fake.posts


async def test_bad_signature_is_rejected_without_any_api_call(slack):
    status, _ = await slack.command("help")  # warm up: a valid request first
    await slack.settle()
    before = len(slack.fake.calls)
    fields = "command=%2Fhelp&text=&user_id=U0ALICE&team_id=T0001&channel_id=C0GENERAL"
    status, _ = await slack.post(fields, "application/x-www-form-urlencoded", secret="wrong")
    assert status == 401
    await slack.settle()
    assert len(slack.fake.calls) == before


async def test_stale_timestamp_is_rejected_without_any_api_call(slack):
    import time

    body = json.dumps(payload("message_im"))
    status, _ = await slack.post(body, "application/json", timestamp=int(time.time()) - 600)
    assert status == 401
    await slack.settle()
    assert slack.fake.calls == []


async def test_rate_limited_post_is_retried_once_after_retry_after(slack):
    slack.fake.scripted["chat.postMessage"] = [(429, {"Retry-After": "1"})]
    await slack.event(payload("message_im"))
    await slack.fake.wait_for(_has("chat.postMessage"), timeout=15)
    await slack.settle(15)
    methods = [c.method for c in slack.fake.calls if c.method.startswith("chat.")]
    assert methods == ["chat.postMessage!429", "chat.postMessage"]
    limited, posted = (c for c in slack.fake.calls if c.method.startswith("chat."))
    assert posted.at - limited.at >= 1.0  # Retry-After was honoured


async def test_web_api_down_is_logged_and_the_app_keeps_serving(slack):
    await slack.command("help")  # auth.test succeeds while the API is up
    await slack.fake.wait_for(_has("response_url"))
    await slack.settle()
    await slack.fake.stop()

    stranger = payload("message_im")
    stranger["event"]["user"] = "U0BOB"  # not looked up yet (U0ALICE is cached)
    with capture_logs() as logs:
        status, _ = await slack.event(stranger)
        assert status == 200
        await slack.settle(30)
    failures = [entry for entry in logs if entry["event"] == "slack_api_failed"]
    assert {"users.info", "chat.postMessage"} <= {entry["method"] for entry in failures}

    async with slack.session.get(slack.base_url + "/healthz") as response:
        assert response.status == 200
    with capture_logs() as logs:
        status, _ = await slack.command("log", "still alive")
        assert status == 200
        await slack.settle(30)
    assert any(entry["event"] == "slack_response_url_failed" for entry in logs)


async def test_a_private_estimate_keeps_its_chart_next_to_its_text(slack):
    # In a channel shared with another organisation the estimate is only for the asker.
    slack.fake.channels["C0GENERAL"] = {"is_ext_shared": True}
    await slack.command("scope", "Shopify store with a custom theme")
    await slack.fake.wait_for(_has("response_url"))
    await slack.settle()

    (answer,) = slack.fake.of("response_url")
    assert answer.payload["response_type"] == "ephemeral"
    assert answer.payload["replace_original"] is True  # in the "Working on it…" note's place
    (done,) = slack.fake.of("files.completeUploadExternal")
    assert "channel_id" not in done.payload  # uploaded privately, shown by its id
    (image,) = [block for block in answer.payload["blocks"] if block["type"] == "image"]
    assert image["slack_file"]["id"] == _files_of(done)[0]["id"]
    assert image["alt_text"] == "Estimate range chart"
    assert "Based on *3* similar projects" in answer.text  # in the same message as the chart
    assert not slack.fake.of("conversations.open")  # nothing went to the DM instead


def _files_of(call):
    files = call.payload["files"]
    return json.loads(files) if isinstance(files, str) else files
