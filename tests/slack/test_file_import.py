"""History from a Slack DM, end to end: a signed ``message`` event sharing a file goes into the
real app, which asks the fake Web API ``files.info``, downloads ``url_private`` over loopback
with the bot token, and answers in the DM with the import's whole-file report."""

from __future__ import annotations

from tests.slack.conftest import BOT_TOKEN, SlackHarness, payload

GOOD = (
    b"id,title,summary,actual_hours,estimated_hours\n"
    b"h1,Bakery web shop,Shopify store for a bakery,130,100\n"
    b"h2,,A row without a title,10,\n"
)


def _shared(file_id: str, event_id: str, text: str = "") -> dict:
    body = payload("message_im", event_id=event_id)
    body["event"] |= {
        "subtype": "file_share",
        "text": text,
        "files": [{"id": file_id, "name": "ignored.csv", "mode": "hosted"}],
        "client_msg_id": f"msg-{event_id}",
    }
    return body


def _dm_texts(slack: SlackHarness) -> list[str]:
    return [c.text for c in slack.fake.posts if c.payload.get("channel") == "D0ALICE"]


async def test_a_csv_shared_in_the_dm_is_imported(product_slack: SlackHarness) -> None:
    slack = product_slack
    slack.fake.files["F0HIST"] = ("history.csv", GOOD)
    slack.fake.file_token = BOT_TOKEN
    status, _ = await slack.event(_shared("F0HIST", "Ev0FILE1"))
    assert status == 200
    await slack.settle()

    (info,) = slack.fake.of("files.info")
    assert info.payload["file"] == "F0HIST"
    (download,) = slack.fake.of("download")
    assert download.payload == {"file": "F0HIST", "authorization": f"Bearer {BOT_TOKEN}"}
    (answer,) = _dm_texts(slack)
    assert "Imported 1 of 2 project(s) from history.csv; 1 not imported" in answer, answer
    assert "title" in answer  # the row's problem, as the CLI reports it
    store = slack.adapter.bot.services.knowledge
    imported = store.get("T0001", "h1")
    assert imported is not None and imported.actual_hours == 130
    assert store.get("T0001", "h2") is None


async def test_a_guest_sharing_a_file_is_refused_and_it_is_never_downloaded(
    product_slack: SlackHarness,
) -> None:
    slack = product_slack
    slack.fake.users["U0ALICE"] = {"is_restricted": True}
    slack.fake.files["F0HIST"] = ("history.csv", GOOD)
    slack.fake.file_token = BOT_TOKEN
    status, _ = await slack.event(_shared("F0HIST", "Ev0FILE2"))
    assert status == 200
    await slack.settle()
    (answer,) = _dm_texts(slack)
    assert "only available to full members" in answer
    assert not slack.fake.of("files.info") and not slack.fake.of("download")
    assert slack.adapter.bot.services.knowledge.count("T0001") == 0


async def test_a_file_slack_will_not_hand_over_gets_a_clear_answer(
    product_slack: SlackHarness,
) -> None:
    slack = product_slack
    slack.fake.files["F0HIST"] = ("history.csv", GOOD)
    slack.fake.file_token = "xoxb-some-other-token"  # the download is refused (403)
    await slack.event(_shared("F0HIST", "Ev0FILE3"))
    await slack.settle()
    (answer,) = _dm_texts(slack)
    assert "couldn't fetch history.csv from Slack (the download failed (HTTP 403))" in answer
    assert "nothing was imported" in answer
    gone = await slack.event(_shared("F0GONE", "Ev0FILE4"))
    assert gone[0] == 200
    await slack.settle()
    assert "file_not_found" in _dm_texts(slack)[-1]


async def test_the_file_shared_event_is_acknowledged_and_answered_once(
    product_slack: SlackHarness,
) -> None:
    slack = product_slack
    body = payload("message_im", event_id="Ev0FILE5")
    body["event"] = {
        "type": "file_shared",
        "file_id": "F0HIST",
        "user_id": "U0ALICE",
        "channel_id": "D0ALICE",
        "event_ts": "1700000100.000300",
    }
    status, _ = await slack.event(body)
    assert status == 200
    await slack.settle()
    assert not slack.fake.posts and not slack.fake.of("files.info")
