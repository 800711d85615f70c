""""How many hours this week?" asked in Slack: the time summary, only for the person asking."""

from __future__ import annotations

from tests.slack.conftest import SlackHarness, payload


async def test_a_mention_asking_for_hours_gets_the_private_summary(
    product_slack: SlackHarness,
) -> None:
    slack = product_slack
    for name, text in (
        ("projects", 'add name="Acme web shop" aliases=acme rate=120'),
        ("log", "acme done: checkout flow, 2h30"),
        ("log", "acme nb: done: internal demo, 1h"),
    ):
        status, _ = await slack.command(name, text)
        assert status == 200
        await slack.settle()
    before = len(slack.fake.calls)
    mention = payload("app_mention", event_id="Ev0HOURS1")
    mention["event"]["text"] = "<@UBOT> how many hours have I logged this week?"
    status, _ = await slack.event(mention)
    assert status == 200
    await slack.settle()
    answers = [c for c in slack.fake.calls[before:] if c.method in {"chat.postEphemeral"}]
    assert len(answers) == 1, [c.method for c in slack.fake.calls[before:]]
    (answer,) = answers
    assert answer.payload["user"] == "U0ALICE"
    assert "Total: 3.5 h" in answer.text and "2.5 h billable (1 h non-billable)" in answer.text
    assert "$300.00" in answer.text
    assert not [c for c in slack.fake.calls[before:] if c.method == "chat.postMessage"]
