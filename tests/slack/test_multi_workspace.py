"""Multi-workspace installs, black-box: the real `atelier run` in HTTP mode with OAuth settings,
against the strict fake Web API.

Two workspaces install the app through `/slack/install` → (Slack) → `/slack/oauth_redirect`;
each is then answered with its own bot token, and their data stays apart. A display name comes
from `users.info` (sent as Slack reads it), the "Working on it…" note is replaced by the answer,
and uninstalling deletes the workspace's token but keeps its data for a reinstall.
"""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest

from tests.reliability.test_shutdown import Process, atelier_run
from tests.slack.conftest import SIGNING_SECRET, payload, sign
from tests.slack.fake_slack import FakeSlack

ONE, TWO = "T0ONE", "T0TWO"
TOKENS = {ONE: "xoxb-one-1111", TWO: "xoxb-two-2222"}
ACME = 'name="Acme web shop" client="Acme Corp" aliases=acme estimate=40 budget=6000 rate=100'


class Workspace:
    """Slack's side of one workspace: signed requests to the real process."""

    def __init__(self, team: str, fake: FakeSlack, process: Process) -> None:
        self.team = team
        self.fake = fake
        self.process = process
        self.count = 0

    async def post(self, session: aiohttp.ClientSession, body: str, kind: str) -> tuple[int, str]:
        headers = {"Content-Type": kind, **sign(body, int(time.time()), SIGNING_SECRET)}
        url = f"{self.process.url}/slack/events"
        async with session.post(url, data=body, headers=headers) as answer:
            return answer.status, await answer.text()

    async def command(
        self, session: aiohttp.ClientSession, name: str, text: str
    ) -> tuple[str, int, str]:
        """A slash command; returns its response URL's path, the ack's status and body."""
        self.count += 1
        path = f"{self.team}-{name}-{self.count}"
        fields = payload("slash_command", command=f"/{name}", text=text, team_id=self.team)
        fields |= {
            "response_url": self.fake.response_url(path),
            "trigger_id": f"1334.{self.team}.{self.count:06d}",
        }
        status, body = await self.post(
            session, urlencode(fields), "application/x-www-form-urlencoded"
        )
        return f"/response/{path}", status, body

    async def mention(self, session: aiohttp.ClientSession, text: str) -> None:
        self.count += 1
        body = payload("app_mention", team_id=self.team, event_id=f"Ev{self.team}{self.count}")
        body["event"] = {**body["event"], "text": f"<@UBOT> {text}", "ts": f"1700.{self.count}"}
        body["authorizations"] = [{**body["authorizations"][0], "team_id": self.team}]
        status, _ = await self.post(session, json.dumps(body), "application/json")
        assert status == 200

    async def event(self, session: aiohttp.ClientSession, event: dict[str, object]) -> None:
        self.count += 1
        body = payload("app_mention", team_id=self.team, event_id=f"Ev{self.team}{self.count}")
        body["event"] = event
        body["authorizations"] = [{**body["authorizations"][0], "team_id": self.team}]
        status, _ = await self.post(session, json.dumps(body), "application/json")
        assert status == 200


async def install(process: Process, code: str) -> int:
    """An admin's browser: the install page, Slack's consent (skipped), the redirect back."""
    async with aiohttp.ClientSession() as browser:
        async with browser.get(f"{process.url}/slack/install") as page:
            assert page.status == 200
            text = await page.text()
        found = re.search(r'<a href="([^"]+)"><img alt="Add to Slack"', text)
        assert found is not None
        link = html.unescape(found[1])
        query = parse_qs(urlsplit(link).query)
        assert query["client_id"] == ["1111.2222"]
        assert "chat:write" in query["scope"][0].split(",")  # the manifest's scopes
        redirect = f"{process.url}/slack/oauth_redirect?code={code}&state={query['state'][0]}"
        # The state cookie is Secure (production is https); over loopback http the test hands
        # it back itself, as a browser on https would.
        cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        async with browser.get(redirect, headers={"Cookie": cookie}) as back:
            return back.status


def answers(fake: FakeSlack, path: str) -> list[dict[str, object]]:
    return [call.payload for call in fake.of("response_url") if call.path == path]


def answered(fake: FakeSlack, path: str):
    return lambda calls: any(c.method == "response_url" and c.path == path for c in calls)


@pytest.mark.slow
async def test_two_workspaces_install_are_answered_with_their_own_tokens_and_uninstall(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    fake_slack.codes = {
        "code-one": (ONE, TOKENS[ONE]),
        "code-two": (TWO, TOKENS[TWO]),
        "code-one-again": (ONE, TOKENS[ONE] + "-new"),
    }
    environment: dict[str, str | None] = {
        "SLACK_BOT_TOKEN": None,  # multi-workspace mode needs none
        "SLACK_CLIENT_ID": fake_slack.client_id,
        "SLACK_CLIENT_SECRET": fake_slack.client_secret,
        "SLACK_STATE_SECRET": "state-secret-for-tests",
        "ATELIER_SLACK_OAUTH_AUTHORIZE_URL": f"{fake_slack.url}/oauth/v2/authorize",
    }
    async with (
        atelier_run(fake_slack, tmp_path, environment) as process,
        aiohttp.ClientSession() as session,
    ):
        await process.wait_ready(session)
        one, two = Workspace(ONE, fake_slack, process), Workspace(TWO, fake_slack, process)

        # Before installing, a workspace is told so, and no token is used for it.
        path, status, _ = await one.command(session, "help", "")
        await fake_slack.wait_for(answered(fake_slack, path))
        assert "not installed in this workspace" in json.dumps(answers(fake_slack, path))
        assert not fake_slack.of("auth.test", "users.info")

        # A redirect with a state this server never issued installs nothing.
        async with aiohttp.ClientSession() as forger:
            url = f"{process.url}/slack/oauth_redirect?code=code-one&state=forged.0"
            async with forger.get(url) as refused:
                assert refused.status != 200
        assert "code-one" in fake_slack.codes  # the code was never even exchanged

        assert await install(process, "code-one") == 200
        assert await install(process, "code-two") == 200

        # Workspace one: a project, then a mention logs on it (an event carries no name:
        # the display name comes from users.info, with workspace one's token).
        path, status, _ = await one.command(session, "projects", f"add {ACME}")
        await fake_slack.wait_for(answered(fake_slack, path))
        await one.mention(session, "log acme done: checkout flow 2h")
        await fake_slack.wait_for(
            lambda calls: any(c.method == "chat.postEphemeral" for c in calls)
        )
        path, _, _ = await one.command(session, "log", "acme")
        await fake_slack.wait_for(answered(fake_slack, path))
        (listing,) = answers(fake_slack, path)
        assert "Person U0ALICE" in json.dumps(listing)  # not "U0ALICE"

        # Workspace two shares nothing with one, and is answered with its own token.
        path, _, _ = await two.command(session, "log", "acme")
        await fake_slack.wait_for(answered(fake_slack, path))
        (other,) = answers(fake_slack, path)
        assert "Acme" not in json.dumps(other) and "don't know" in json.dumps(other)

        # A slow command's placeholder is replaced by its answer, never left behind.
        path, status, ack = await one.command(session, "update", "acme")
        assert status == 200 and "Working on it" in ack
        await fake_slack.wait_for(answered(fake_slack, path))
        (notice,) = answers(fake_slack, path)  # one notice, in the placeholder's place
        assert notice["replace_original"] is True and "DMs" in str(notice["text"])

        by_token = {
            team: {c.method for c in fake_slack.calls if c.token == token}
            for team, token in TOKENS.items()
        }
        assert {"users.info", "chat.postEphemeral"} <= by_token[ONE]
        assert "auth.test" in by_token[TWO]
        for call in fake_slack.calls:  # every call was made with some workspace's token
            if call.method not in {"oauth.v2.access", "response_url", "upload"}:
                assert call.token in TOKENS.values(), (call.method, call.token)

        # Uninstalled from workspace one: Slack revokes the token, then says so.
        fake_slack.revoke(TOKENS[ONE])
        await one.event(session, {"type": "app_uninstalled", "event_ts": "1700.99"})
        await process.logged("slack_installation_removed")
        before = len(fake_slack.calls)
        path, status, _ = await one.command(session, "log", "acme")
        await fake_slack.wait_for(answered(fake_slack, path))
        assert "not installed in this workspace" in json.dumps(answers(fake_slack, path))
        assert all(c.token != TOKENS[ONE] for c in fake_slack.calls[before:])
        # … while workspace two carries on.
        path, _, _ = await two.command(session, "help", "")
        await fake_slack.wait_for(answered(fake_slack, path))

        # The data was kept: reinstalled, workspace one finds its log again.
        assert await install(process, "code-one-again") == 200
        path, _, _ = await one.command(session, "log", "acme")
        await fake_slack.wait_for(answered(fake_slack, path))
        assert "checkout flow" in json.dumps(answers(fake_slack, path))
        assert fake_slack.of("response_url")[-1].path == path
