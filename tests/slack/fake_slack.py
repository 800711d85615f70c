"""A fake Slack Web API on loopback that records what the adapter sends.

It answers ``auth.test``, ``chat.postMessage``, ``chat.postEphemeral``, ``conversations.open``,
``views.open`` and the two calls of ``files_upload_v2`` (plus the upload itself), ``files.info``
and the download of a shared file's ``url_private`` (Bearer token checked), the read
methods ``users.info``, ``conversations.info`` and ``usergroups.users.list`` (by GET with query
parameters, as slack_sdk sends them, or by POST), ``views.publish`` (the App Home tab), and
accepts POSTs to the response URLs it hands out. Who people are is configurable: by default
everyone is a full member of ``TEAM`` and every channel belongs to ``TEAM`` alone (see
:attr:`FakeSlack.users`, ``channels``, ``usergroups``). A method it does not know is answered
``unknown_method`` and recorded in :attr:`FakeSlack.unknown`, which the fixture checks is empty,
so it fails the test. Tests read :attr:`FakeSlack.calls` and wait for calls with
:meth:`FakeSlack.wait_for` (bounded, woken by each new call, no polling sleeps).

It is strict where Slack is:

- read methods (``users.info``, ``conversations.info``…) ignore a JSON body, as Slack does (so
  they answer ``user_not_found``), and the call is recorded in :attr:`FakeSlack.json_refused`,
  which the fixture checks is empty;
- a response URL takes 5 posts within 30 minutes of being handed out, then answers 404
  ``used_url`` / ``expired_url``;
- blocks Slack would refuse (no type, too many, a header over 150 characters, a section over
  3,000, an action id or button value too long) get ``invalid_blocks``.

Several workspaces: :attr:`FakeSlack.workspaces` maps bot tokens to team ids; ``auth.test`` and
``users.info`` then answer with the caller's team, an unknown token gets ``invalid_auth``, and
``oauth.v2.access`` exchanges the codes in :attr:`FakeSlack.codes` for their install.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

BOT_USER = "UBOT"
TEAM = "T0001"


@dataclass
class Call:
    """One request the adapter made: an API method name (or 'response_url' / 'upload')."""

    method: str
    payload: dict[str, Any]
    path: str = ""
    at: float = field(default_factory=time.monotonic)
    token: str = ""  # the bot token the call was made with

    @property
    def text(self) -> str:
        """What a person would read: the fallback text plus every text in the blocks."""
        parts = [str(self.payload.get("text", ""))]
        parts.extend(_block_texts(self.payload.get("blocks") or []))
        return "\n".join(parts)


def _block_texts(blocks: Any) -> list[str]:
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in {"mrkdwn", "plain_text"} and "text" in node:
                texts.append(str(node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return texts


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    # method -> list of (status, headers) to answer before behaving normally
    scripted: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    # method -> Slack error code to answer with (ok: false)
    errors: dict[str, str] = field(default_factory=dict)
    # chat.postMessage: channel id -> error codes to answer, one per post, before succeeding
    refuse_posts: dict[str, list[str]] = field(default_factory=dict)
    # users.info: user id -> fields laid over a full member of TEAM (e.g. is_restricted)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    # conversations.info: channel id -> fields laid over a channel of TEAM alone
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    # usergroups.users.list: user group id -> member ids (another id: no_such_subteam)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    # auth.test: fields laid over the bot's identity (e.g. an enterprise_id)
    identity: dict[str, Any] = field(default_factory=dict)
    # files.info + the download of url_private: file id -> (name, content); the download
    # answers 403 unless its Bearer token is ``file_token`` (set it to the bot token)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    file_token: str = ""
    # methods the fake does not know, in the order they were called
    unknown: list[str] = field(default_factory=list)
    url: str = ""
    # Several workspaces: bot token -> team id (empty: every token is TEAM's)
    workspaces: dict[str, str] = field(default_factory=dict)
    # oauth.v2.access: code -> (team id, bot token); the client must authenticate with these
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)
    client_id: str = "1111.2222"
    client_secret: str = "fake-client-secret"
    # read methods called with a JSON body (Slack ignores it): must stay empty
    json_refused: list[str] = field(default_factory=list)
    # response URL path -> (first handed out at, posts so far); clock for the 30 minutes
    response_uses: dict[str, list[float]] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    # While set to an unset event, response-URL posts wait for it before they are answered and
    # recorded: an answer counts as delivered only once the fake has answered it, so an answer
    # cut off by a shutdown never shows up as delivered. ``held`` counts the waiting posts.
    hold_responses: asyncio.Event | None = None
    held: int = 0
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None
    _ids: int = 0
    # Socket Mode: envelopes to push to the connected app
    _outbox: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{token}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/files-pri/{file_id}/{name}", self._download)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, token: str = "cmd") -> str:
        self.response_uses.setdefault(f"/response/{token}", [self.clock(), 0])
        return f"{self.url}/response/{token}"

    def team_of(self, token: str) -> str | None:
        if not self.workspaces:
            return TEAM
        return self.workspaces.get(token)

    # --- reading what happened -----------------------------------------------------------

    def of(self, *methods: str) -> list[Call]:
        return [call for call in self.calls if call.method in methods]

    @property
    def posts(self) -> list[Call]:
        """Everything that puts a message in front of someone."""
        return self.of("chat.postMessage", "chat.postEphemeral", "response_url")

    async def wait_for(
        self, predicate: Callable[[list[Call]], bool], timeout: float = 10.0
    ) -> list[Call]:
        """Wait until ``predicate(calls)`` holds; fail the test after ``timeout`` seconds."""

        async def satisfied() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self.calls))

        try:
            await asyncio.wait_for(satisfied(), timeout)
        except TimeoutError:
            methods = [call.method for call in self.calls]
            raise AssertionError(f"Slack never saw the expected calls; saw {methods}") from None
        return self.calls

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    # --- handlers --------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        payload = await _payload(request, ignore_json=method in READ_METHODS)
        if method in READ_METHODS and request.content_type == "application/json":
            self.json_refused.append(method)
        token = _token(request, payload)
        script = self.scripted.get(method)
        if script:
            status, headers = script.pop(0)
            await self._record(Call(f"{method}!{status}", payload, token=token))
            return web.json_response(
                {"ok": False, "error": "scripted"}, status=status, headers=headers
            )
        await self._record(Call(method, payload, token=token))
        if method == "oauth.v2.access":
            return web.json_response(self._oauth_access(request, payload))
        team = self.team_of(token)
        if team is None and method != "apps.connections.open":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        refusals = self.refuse_posts.get(str(payload.get("channel", "")))
        if method == "chat.postMessage" and refusals:
            return web.json_response({"ok": False, "error": refusals.pop(0)})
        if method in self.errors:
            return web.json_response({"ok": False, "error": self.errors[method]})
        if method in BLOCK_METHODS and (problem := blocks_problem(payload.get("blocks"))):
            return web.json_response(
                {"ok": False, "error": "invalid_blocks", "errors": [problem]}
            )
        answer = self._answer(method, payload)
        if team is not None and team != TEAM and method in {"auth.test", "users.info"}:
            answer = json.loads(json.dumps(answer).replace(f'"{TEAM}"', f'"{team}"'))
        return web.json_response(answer)

    def _oauth_access(self, request: web.Request, payload: dict[str, Any]) -> dict[str, Any]:
        """Slack's code exchange: the app's client id and secret, then the install."""
        client_id, client_secret = _client_credentials(request, payload)
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            return {"ok": False, "error": "invalid_client_id"}
        found = self.codes.pop(str(payload.get("code", "")), None)
        if found is None:
            return {"ok": False, "error": "invalid_code"}
        team, token = found
        self.workspaces[token] = team
        return {
            "ok": True,
            "app_id": "A0ATELIER",
            "authed_user": {"id": "UINSTALLER"},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": BOT_USER,
            "team": {"id": team, "name": f"Workspace {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def revoke(self, token: str) -> None:
        """The app was uninstalled: its token stops working."""
        self.workspaces.pop(token, None)

    def _answer(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        self._ids += 1
        match method:
            case "auth.test":
                return {
                    "ok": True,
                    "user_id": BOT_USER,
                    "bot_id": "BBOT",
                    "team_id": TEAM,
                    "user": "atelier",
                    "team": "Northwind Studio",
                    **self.identity,
                }
            case "conversations.open":
                return {"ok": True, "channel": {"id": f"D{payload.get('users', 'X')}"}}
            case "chat.postMessage":
                return {"ok": True, "channel": payload.get("channel"), "ts": f"1700.{self._ids}"}
            case "chat.postEphemeral":
                return {"ok": True, "message_ts": f"1700.{self._ids}"}
            case "chat.update":
                if not payload.get("channel") or not payload.get("ts"):
                    return {"ok": False, "error": "message_not_found"}
                return {"ok": True, "channel": payload["channel"], "ts": payload["ts"]}
            case "chat.delete":
                return {"ok": True, "channel": payload.get("channel"), "ts": payload.get("ts")}
            case "reactions.add" | "reactions.remove":
                return {"ok": True}
            case "chat.getPermalink":
                channel, ts = str(payload.get("channel", "")), str(payload.get("message_ts", ""))
                if not channel or not ts:
                    return {"ok": False, "error": "message_not_found"}
                link = f"https://northwind.slack.com/archives/{channel}/p{ts.replace('.', '')}"
                return {"ok": True, "channel": channel, "permalink": link}
            case "views.open":
                return {"ok": True, "view": {"id": f"V{self._ids}"}}
            case "views.update":
                if not payload.get("view_id") or not payload.get("view"):
                    return {"ok": False, "error": "invalid_arguments"}
                return {"ok": True, "view": {"id": payload["view_id"]}}
            case "views.publish":
                if not payload.get("user_id") or not payload.get("view"):
                    return {"ok": False, "error": "invalid_arguments"}
                return {"ok": True, "view": {"id": f"V{self._ids}", "type": "home"}}
            case "files.getUploadURLExternal":
                file_id = f"F{self._ids}"
                return {
                    "ok": True,
                    "upload_url": f"{self.url}/upload/{file_id}",
                    "file_id": file_id,
                }
            case "users.info":
                user = str(payload.get("user", ""))
                if not user:
                    return {"ok": False, "error": "user_not_found"}
                return {
                    "ok": True,
                    "user": {
                        "id": user,
                        "team_id": TEAM,
                        "name": user.lower(),
                        "deleted": False,
                        "is_admin": False,
                        "is_owner": False,
                        "is_restricted": False,
                        "is_ultra_restricted": False,
                        "is_bot": False,
                        "profile": {"display_name": "", "real_name": f"Person {user}"},
                        **self.users.get(user, {}),
                    },
                }
            case "conversations.info":
                channel = str(payload.get("channel", ""))
                if not channel:
                    return {"ok": False, "error": "channel_not_found"}
                return {
                    "ok": True,
                    "channel": {
                        "id": channel,
                        "is_channel": not channel.startswith("D"),
                        "is_im": channel.startswith("D"),
                        "is_shared": False,
                        "is_ext_shared": False,
                        "is_org_shared": False,
                        "is_pending_ext_shared": False,
                        "context_team_id": TEAM,
                        **self.channels.get(channel, {}),
                    },
                }
            case "usergroups.users.list":
                group = str(payload.get("usergroup", ""))
                if group not in self.usergroups:
                    return {"ok": False, "error": "no_such_subteam"}
                return {"ok": True, "users": list(self.usergroups[group])}
            case "apps.connections.open":
                return {"ok": True, "url": self.url.replace("http", "ws", 1) + "/socket"}
            case "files.info":
                file_id = str(payload.get("file", ""))
                if file_id not in self.files:
                    return {"ok": False, "error": "file_not_found"}
                name, content = self.files[file_id]
                url = f"{self.url}/files-pri/{TEAM}-{file_id}/{name}"
                return {
                    "ok": True,
                    "file": {
                        "id": file_id,
                        "name": name,
                        "title": name,
                        "size": len(content),
                        "mimetype": "text/plain",
                        "url_private": url,
                        "url_private_download": url + "?download=1",
                    },
                }
            case "files.completeUploadExternal":
                return {"ok": True, "files": [{"id": f["id"]} for f in _files(payload)]}
        self.unknown.append(method)
        return {"ok": False, "error": "unknown_method"}

    async def _response_url(self, request: web.Request) -> web.Response:
        payload = await request.json()
        issued, uses = self.response_uses.setdefault(request.path, [self.clock(), 0])
        if self.clock() - issued > RESPONSE_URL_SECONDS:
            await self._record(Call("response_url!expired", payload, path=request.path))
            return web.json_response({"ok": False, "error": "expired_url"}, status=404)
        if uses >= RESPONSE_URL_USES:
            await self._record(Call("response_url!used", payload, path=request.path))
            return web.json_response({"ok": False, "error": "used_url"}, status=404)
        self.response_uses[request.path][1] = uses + 1
        if "blocks" in payload and (problem := blocks_problem(payload.get("blocks"))):
            await self._record(Call("response_url!invalid", payload, path=request.path))
            return web.json_response({"ok": False, "error": "invalid_blocks", "errors": [problem]})
        if self.hold_responses is not None and not self.hold_responses.is_set():
            async with self._changed:
                self.held += 1
                self._changed.notify_all()
            await self.hold_responses.wait()
        await self._record(Call("response_url", payload, path=request.path))
        return web.Response(text="ok")

    async def push(self, envelope: dict[str, Any]) -> None:
        """Socket Mode: send an envelope to the connected app."""
        await self._outbox.put(envelope)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode's websocket: say hello, push envelopes, record the app's acks."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await self._record(Call("socket_connected", {}))
        await socket.send_json({"type": "hello", "num_connections": 1})

        async def pump() -> None:
            while True:
                await socket.send_json(await self._outbox.get())

        pumping = asyncio.ensure_future(pump())
        try:
            async for message in socket:
                if message.type == web.WSMsgType.TEXT:
                    await self._record(Call("socket_ack", json.loads(message.data)))
        finally:
            pumping.cancel()
            await self._record(Call("socket_closed", {}))
        return socket

    async def _download(self, request: web.Request) -> web.Response:
        """``url_private``: the file's bytes, for its Bearer token only (as Slack does)."""
        authorization = request.headers.get("Authorization", "")
        file_id = request.match_info["file_id"].removeprefix(f"{TEAM}-")
        await self._record(
            Call("download", {"file": file_id, "authorization": authorization}, request.path)
        )
        if not self.file_token or authorization != f"Bearer {self.file_token}":
            return web.Response(status=403, text="forbidden")
        if file_id not in self.files:
            return web.Response(status=404, text="not found")
        return web.Response(body=self.files[file_id][1], content_type="application/octet-stream")

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        await self._record(Call("upload", {"size": len(data), "png": data[:4] == b"\x89PNG"}))
        return web.Response(text="OK - uploaded")


# Methods whose arguments Slack reads only from the query string or a form body.
READ_METHODS = frozenset(
    {
        "auth.test",
        "users.info",
        "conversations.info",
        "usergroups.users.list",
        "files.info",
        "oauth.v2.access",
        "chat.getPermalink",
    }
)
BLOCK_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})
RESPONSE_URL_USES = 5
RESPONSE_URL_SECONDS = 30 * 60


def blocks_problem(blocks: Any) -> str | None:
    """Why Slack would answer ``invalid_blocks`` (None: it would take them)."""
    if blocks is None or blocks == "":
        return None
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not isinstance(blocks, list) or len(blocks) > 50:
        return "blocks must be a list of at most 50"
    for index, block in enumerate(blocks):
        if not isinstance(block, dict) or not block.get("type"):
            return f"block {index} has no type"
        text = block.get("text")
        if block["type"] == "header" and len(str((text or {}).get("text", ""))) > 150:
            return f"block {index}: a header holds 150 characters at most"
        if block["type"] == "section" and len(str((text or {}).get("text", ""))) > 3000:
            return f"block {index}: a section holds 3,000 characters at most"
        for element in block.get("elements") or []:
            if not isinstance(element, dict):
                continue
            if len(str(element.get("action_id", ""))) > 255:
                return f"block {index}: an action_id holds 255 characters at most"
            if len(str(element.get("value", ""))) > 2000:
                return f"block {index}: a button value holds 2,000 characters at most"
    return None


def _token(request: web.Request, payload: dict[str, Any]) -> str:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ")
    return str(payload.get("token", ""))


def _client_credentials(request: web.Request, payload: dict[str, Any]) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        import base64

        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        return client_id, secret
    return str(payload.get("client_id", "")), str(payload.get("client_secret", ""))


async def _payload(request: web.Request, ignore_json: bool = False) -> dict[str, Any]:
    """Arguments however the client sent them: JSON body, form body or query string. Slack's
    read methods ignore a JSON body (``ignore_json``)."""
    arguments: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        found = await request.json()
        if not ignore_json:
            arguments.update(found if isinstance(found, dict) else {})
    else:
        arguments.update(parse_qsl(await request.text()))
    return arguments


def _files(payload: dict[str, Any]) -> list[dict[str, Any]]:
    files = payload.get("files", [])
    if isinstance(files, str):
        files = json.loads(files)
    return files if isinstance(files, list) else []
