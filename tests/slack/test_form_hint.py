"""A form asked for where Slack can't open one (a DM, a mention): the answer names the command."""

from __future__ import annotations

from tests.slack.conftest import payload


async def test_a_form_asked_for_in_a_dm_names_the_slash_command_to_use(slack) -> None:
    event = payload("message_im")
    event["event"]["text"] = "/projects add"
    await slack.event(event)
    await slack.settle()
    (answer,) = [c for c in slack.fake.calls if c.method.startswith("chat.post")]
    assert "New project" in answer.text and "is a form" in answer.text
    assert "please use `/projects add`" in answer.text, answer.text
    assert not slack.fake.of("views.open")
