"""The Slack adapter: a Bolt ``AsyncApp`` whose listeners translate, ack, and answer.

Slack wants an acknowledgement within 3 seconds, so every listener acks first and does the
work after (Bolt runs the rest of the listener once the ack is sent). The one exception is a
modal submission, whose validation errors must travel *in* the ack: its form handler runs
inside the ack window (it is fast; when it is not, the modal closes and the answer follows as
a message).

Two ways to run: Socket Mode when ``SLACK_APP_TOKEN`` is set (no public URL needed), else HTTP
on ``ATELIER_PORT`` with ``POST /slack/events`` for events, commands and interactivity, and
``GET /healthz``.

One workspace answers with ``SLACK_BOT_TOKEN``; with ``SLACK_CLIENT_ID`` and
``SLACK_CLIENT_SECRET`` set, any number of workspaces install the app through Bolt's OAuth
flow (``GET /slack/install`` → Slack → ``GET /slack/oauth_redirect``), their tokens are kept
in Atelier's database, and each request is answered with its own workspace's token. Uninstalling
(``app_uninstalled``, ``tokens_revoked``) deletes the tokens; the workspace's data stays until
an admin runs ``atelier slack forget``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest

from adapters.lifecycle import InFlight, Shutdown, Ticket, drain
from adapters.slack.direct import SlackDirectMessages
from adapters.slack.files import FileUnavailable, fetch_attachments
from adapters.slack.home import home_opened_request, home_request, to_home_view
from adapters.slack.installations import DatabaseInstallationStore, DatabaseStateStore
from adapters.slack.manifest import bot_scopes
from adapters.slack.modals import done_view, form_with_errors, saving_view
from adapters.slack.send import Sender
from adapters.slack.translate import (
    FILE_IDS,
    block_action_to_action,
    command_to_request,
    delivery_of,
    event_to_request,
    view_submission_to_action,
)
from adapters.slack.workspaces import Workspace, Workspaces
from bot.config import Settings
from bot.core import Bot
from bot.logs import get_logger
from bot.messages import Action, Reply, Request, text_reply

log = get_logger(__name__)

# Commands slow enough that a "working on it" note beats a silent pause.
SLOW_COMMANDS = frozenset({"scope", "update"})
WORKING = "Working on it…"
WORKING_REACTION = "eyes"  # on a mention, until its answer is out
# Slack closes a modal submission after 3 s: answer in the ack only when the work is this fast
# (the network needs the rest); slower work keeps the modal open and updates it.
FORM_WINDOW_SECONDS = 1.0
EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
TICKET = "atelier_ticket"
# While draining, new HTTP requests are refused with 503 so a load balancer (or Slack's own
# retry) takes them elsewhere; this tells them when to try this replica again.
RETRY_AFTER_SECONDS = 5
# A workspace whose install is unknown (never installed, or uninstalled) is told so.
NOT_INSTALLED = (
    "Atelier is not installed in this workspace (or was uninstalled). A workspace admin can "
    "install it again from the install page of the team's Atelier server (`/slack/install`)."
)
# Socket Mode has no load balancer: a slash command taken while stopping gets this instead.
RESTARTING = "Atelier is restarting; please run the command again in a few seconds."


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


class AckFirst:
    """Lets the work after an ack wait while other requests still wait for theirs.

    Slack's 3-second ack deadline is hard; an answer's is not. Under a burst, answers that
    start while requests are still arriving slow those acks down (one event loop), so answers
    start once no request has been mid-dispatch for ``settle`` seconds, or after ``max_wait``
    seconds at most, so a steady stream of requests can never starve them. One timer decides
    when the gate opens; waiting answers are woken once, not on every ack.
    """

    def __init__(self, max_wait: float = 1.0, settle: float = 0.05) -> None:
        self.max_wait = max_wait
        self.settle = settle
        self.acking = 0
        self._open = asyncio.Event()
        self._open.set()
        self._last_change = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def enter(self) -> None:
        self.acking += 1
        self._open.clear()
        self._last_change = asyncio.get_running_loop().time()

    def leave(self) -> None:
        self.acking -= 1
        loop = asyncio.get_running_loop()
        self._last_change = loop.time()
        if self.acking == 0 and self._timer is None:
            self._timer = loop.call_later(self.settle, self._check)

    def _check(self) -> None:
        self._timer = None
        if self.acking:
            return  # the next leave() re-arms the timer
        loop = asyncio.get_running_loop()
        quiet_for = loop.time() - self._last_change
        if quiet_for >= self.settle:
            self._open.set()
        else:
            self._timer = loop.call_later(self.settle - quiet_for, self._check)

    async def wait(self) -> None:
        if not self._open.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._open.wait(), self.max_wait)


def _tracked(listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """Count the listener's delivery as in flight until the listener finishes, however it
    finishes. Commands and interactions reach their listener before the ack is sent, so
    the count starts there; events are acked by Bolt before their listener is scheduled, so
    a listener middleware starts their count earlier (see ``begin_work``)."""

    @functools.wraps(listener)
    async def run(adapter: SlackAdapter, *args: Any, **kwargs: Any) -> None:
        ticket = kwargs["context"].get(TICKET)
        if not isinstance(ticket, Ticket):
            ticket = adapter.in_flight.begin()
        try:
            await listener(adapter, *args, **kwargs)
        finally:
            ticket.end()

    return run


class SlackAdapter:
    """Bolt app + listeners for one bot; serve it with :meth:`web_app` or Socket Mode."""

    def __init__(
        self,
        bot: Bot,
        settings: Settings,
        *,
        process_before_response: bool = False,
    ) -> None:
        self.bot = bot
        self.settings = settings
        signing_secret = _secret(settings.slack_signing_secret)
        self.installations: DatabaseInstallationStore | None = None
        oauth_settings = None
        if settings.slack_oauth_enabled:
            oauth_settings = self._oauth_settings(settings)
        # Posts that must be confirmed report what Slack did back to the core.
        self.workspaces = Workspaces(
            settings, report=bot.confirm_delivery, find_token=self._token_of_tenant
        )
        # Single-token mode: the one workspace. With OAuth, Bolt's client carries no token
        # and each request gets its workspace's (see workspace_of).
        token = None if oauth_settings is not None else _secret(settings.slack_bot_token)
        self.default: Workspace | None = self.workspaces.of_token(token) if token else None
        self.client = self.default.client if self.default else self.workspaces.client(None)
        # Scheduled digests reach people through their IM with the app (never a channel).
        bot.add_direct_messages(SlackDirectMessages(self.sender_of_tenant))
        # People who opened the Home tab here: it is published again after their actions.
        self.home_viewers: set[tuple[str, str]] = set()
        self.in_flight = InFlight()
        # Set on shutdown: new work is refused while acknowledged work finishes.
        self.draining = False
        self.ack_first = AckFirst()
        self.signing_secret = signing_secret
        self.app = AsyncApp(
            client=self.client,
            # Bolt skips signature checks for Socket Mode frames (the app token authenticates
            # the socket); HTTP mode refuses to start without a secret (see web_app).
            signing_secret=signing_secret or "",
            request_verification_enabled=True,
            process_before_response=process_before_response,
            oauth_settings=oauth_settings,
            user_facing_authorize_error_message=NOT_INSTALLED,
            logger=logging.getLogger("slack_bolt"),
        )
        self._register()

    # --- workspaces ------------------------------------------------------------------------

    def _oauth_settings(self, settings: Settings) -> AsyncOAuthSettings:
        client_id = str(settings.slack_client_id)
        self.installations = DatabaseInstallationStore(self.bot.services.db, client_id)
        return AsyncOAuthSettings(
            client_id=client_id,
            client_secret=_secret(settings.slack_client_secret),
            scopes=bot_scopes(),
            installation_store=self.installations,
            installation_store_bot_only=True,
            state_store=DatabaseStateStore(
                self.bot.services.db, _secret(settings.slack_state_secret)
            ),
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            redirect_uri=settings.slack_install_redirect_url,
            authorization_url=settings.slack_oauth_authorize_url,
            logger=logging.getLogger("slack_bolt.oauth"),
        )

    @property
    def sender(self) -> Sender:
        """The single workspace's sender (single-token mode)."""
        assert self.default is not None, "multi-workspace mode: use workspace_of(context)"
        return self.default.sender

    @property
    def directory(self) -> Any:
        assert self.default is not None, "multi-workspace mode: use workspace_of(context)"
        return self.default.directory

    def workspace_of(self, context: Mapping[str, Any]) -> Workspace:
        """The workspace a request came from: its own token, as Bolt's authorize found it."""
        if self.default is not None:
            return self.default
        token = context.get("bot_token") or getattr(context.get("client"), "token", None)
        if not token:
            raise RuntimeError("no installation answers this workspace")
        return self.workspaces.of_token(str(token))

    async def _token_of_tenant(self, tenant: str) -> str | None:
        if self.installations is None:
            return None
        bot = await self.installations.async_find_bot_for_tenant(tenant)
        return bot.bot_token if bot is not None else None

    async def sender_of_tenant(self, tenant: str) -> Sender | None:
        if self.default is not None:
            return self.default.sender
        workspace = await self.workspaces.of_tenant(tenant)
        return workspace.sender if workspace is not None else None

    # --- listeners -------------------------------------------------------------------------

    def _register(self) -> None:
        # Listener middleware runs only when its listener matched, inside the dispatch and
        # before Bolt acks an event: the moment to count the event as in flight.
        begin = [self.begin_work]
        # One listener per registered command: a new skill is picked up without edits here.
        prefix = self.settings.slack_command_prefix
        for name in self.bot.registry.commands:
            self.app.command(f"/{prefix}{name}")(self.on_command)
        self.app.event("app_mention", middleware=begin)(self.on_event)
        self.app.event("message", middleware=begin)(self.on_event)
        self.app.event("app_home_opened", middleware=begin)(self.on_home_opened)
        self.app.event("file_shared")(self.on_file_shared)
        self.app.event("app_uninstalled")(self.on_uninstalled)
        self.app.event("tokens_revoked")(self.on_tokens_revoked)
        self.app.action(re.compile(r".+"))(self.on_action)
        self.app.view_submission(re.compile(r".*"))(self.on_view_submission)
        self.app.error(self.on_error)

    async def begin_work(
        self,
        context: dict[str, Any],
        next: Callable[[], Awaitable[None]],
    ) -> None:
        """Count an event as in flight until its listener has finished (see _tracked)."""
        context[TICKET] = self.in_flight.begin()
        await next()

    @_tracked
    async def on_command(
        self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any], context: dict[str, Any]
    ) -> None:
        workspace = self.workspace_of(context)
        request = command_to_request(
            body, self.settings.slack_command_prefix, self.bot.registry.commands
        )
        delivery = delivery_of(request)
        if request.command in SLOW_COMMANDS and delivery.response_url:
            # The answer replaces this note (or deletes it): never a stale "working on it".
            workspace.sender.expect_placeholder(delivery.response_url)
            await ack(response_type="ephemeral", text=WORKING)
        else:
            await ack()
        await self.answer(request, workspace)
        await self.refresh_home(request, workspace)

    @_tracked
    async def on_event(
        self, body: dict[str, Any], request: AsyncBoltRequest, context: dict[str, Any]
    ) -> None:
        # Bolt acks events before calling us.
        incoming = event_to_request(body)
        if incoming is None:
            return
        retry = _retry_number(request.headers)
        if retry:
            log.info("slack_event_retry", event_id=incoming.event_id, retry=retry)
        workspace = self.workspace_of(context)
        if incoming.raw.get(FILE_IDS):
            await self.answer_with_files(incoming, workspace)
            return
        delivery = delivery_of(incoming)
        mention_ts = str((body.get("event") or {}).get("ts") or "")
        if retry or delivery.is_im or not mention_ts:
            await self.answer(incoming, workspace)
            return
        # A mention shows at once that it was heard, without a message in the channel (the
        # answer may be private): a reaction while the answer is worked on.
        reacted = await workspace.sender.react(delivery.channel_id, mention_ts, WORKING_REACTION)
        try:
            await self.answer(incoming, workspace)
        finally:
            if reacted:
                await workspace.sender.react(
                    delivery.channel_id, mention_ts, WORKING_REACTION, remove=True
                )

    async def on_file_shared(self, body: dict[str, Any]) -> None:
        """``file_shared`` repeats what the DM's ``message`` event (with its files) says;
        that one is answered, so this one is only acknowledged (Bolt acked already)."""

    async def on_uninstalled(self, context: dict[str, Any]) -> None:
        """The app was uninstalled: its token is gone, so is our copy (the data stays)."""
        await self._revoked(context, "app_uninstalled")

    async def on_tokens_revoked(self, body: dict[str, Any], context: dict[str, Any]) -> None:
        tokens = ((body.get("event") or {}).get("tokens") or {}) if isinstance(body, dict) else {}
        if tokens.get("bot"):  # user tokens are never kept: only the bot's matters
            await self._revoked(context, "tokens_revoked")

    async def _revoked(self, context: Mapping[str, Any], why: str) -> None:
        enterprise = context.get("enterprise_id")
        team = None if context.get("is_enterprise_install") else context.get("team_id")
        tenant = enterprise or team
        if self.installations is None:
            log.warning("slack_token_revoked", reason=why, tenant=tenant, mode="single token")
            return
        found = await self.installations.async_find_bot(
            enterprise_id=enterprise,
            team_id=team,
            is_enterprise_install=bool(context.get("is_enterprise_install")),
        )
        await self.installations.async_delete_all(enterprise_id=enterprise, team_id=team)
        await self.workspaces.forget(found.bot_token if found is not None else None)
        log.info("slack_installation_removed", reason=why, tenant=tenant)

    async def answer_with_files(self, incoming: Request, workspace: Workspace) -> None:
        """A DM sharing files: fetch them (files.info, then the download with the bot token)
        and hand them to the core as attachments. The core decides who may import: someone
        it would refuse gets its refusal, and their files are never downloaded."""
        described = await workspace.directory.describe(incoming)
        if self.bot.access.refusal(described) is not None:
            await self.answer(incoming, workspace)
            return
        try:
            files = await fetch_attachments(
                workspace.client, workspace.sender.session, list(incoming.raw[FILE_IDS])
            )
        except FileUnavailable as problem:
            await workspace.sender.deliver(
                text_reply(
                    f"I couldn't fetch {problem.name} from Slack ({problem.reason}), so nothing "
                    "was imported. Please share it again."
                ),
                delivery_of(incoming),
            )
            return
        await self.answer(incoming.model_copy(update={"attachments": files}), workspace)

    @_tracked
    async def on_home_opened(self, body: dict[str, Any], context: dict[str, Any]) -> None:
        """The Home tab was opened: publish the person's home view (Bolt acked already)."""
        incoming = home_opened_request(body)
        if incoming is not None:
            self.home_viewers.add((incoming.tenant, incoming.user_id))
            await self.publish_home(incoming, self.workspace_of(context))

    async def publish_home(self, request: Request, workspace: Workspace) -> None:
        """Ask the core for the home view (its access check included) and publish it."""
        reply = await self._run(request, workspace)
        if reply is None:
            return
        try:
            view = to_home_view(reply)
        except Exception:
            log.exception("slack_home_render_failed", tenant=request.tenant)
            return
        await workspace.sender.call("views.publish", user_id=request.user_id, view=view)

    async def refresh_home(self, done: Request | Action, workspace: Workspace) -> None:
        """After someone's command or action, their Home tab shows its effect (if they have
        opened it on this replica; opening it always publishes it afresh)."""
        if (done.tenant, done.user_id) in self.home_viewers:
            await self.publish_home(home_request(done.tenant, done.user_id), workspace)

    @_tracked
    async def on_action(
        self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any], context: dict[str, Any]
    ) -> None:
        await ack()
        action = block_action_to_action(body)
        if action is not None:
            workspace = self.workspace_of(context)
            await self.answer(action, workspace)
            await self.refresh_home(action, workspace)

    @_tracked
    async def on_view_submission(
        self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any], context: dict[str, Any]
    ) -> None:
        action = view_submission_to_action(body)
        if action is None:
            await ack()
            return
        workspace = self.workspace_of(context)
        work = asyncio.ensure_future(self._run(action, workspace))
        done, _ = await asyncio.wait({work}, timeout=FORM_WINDOW_SECONDS)
        view = body.get("view") or {}
        if not done and view.get("id"):
            # Not fast enough to answer in the ack: keep the modal open with a "saving" view,
            # then show the form again with its errors, or the result (views.update).
            await ack(response_action="update", view=saving_view(view))
            answer = await work
            if answer is not None and answer.form_errors:
                again = form_with_errors(view, _modal_errors(answer, body))
                await workspace.sender.call("views.update", view_id=view["id"], view=again)
                return
            await workspace.sender.call(
                "views.update", view_id=view["id"], view=done_view(view, answer)
            )
            if answer is not None:
                await workspace.sender.deliver(answer, delivery_of(action))
            await self.refresh_home(action, workspace)
            return
        if not done:
            # No view to update: close it; the answer follows as a message.
            await ack()
            answer = await work
            if answer is not None:
                await workspace.sender.deliver(_errors_as_message(answer), delivery_of(action))
            return
        answer = work.result()
        if answer is not None and answer.form_errors:
            await ack(response_action="errors", errors=_modal_errors(answer, body))
            return
        await ack()
        if answer is not None:
            await workspace.sender.deliver(answer, delivery_of(action))
        await self.refresh_home(action, workspace)

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error(
            "slack_listener_failed",
            error=f"{type(error).__name__}: {error}"[:300],
            kind=str(body.get("type", "")) if isinstance(body, Mapping) else "",
        )

    # --- the work after the ack -------------------------------------------------------------

    async def answer(self, incoming: Request | Action, workspace: Workspace) -> None:
        """Run the bot and send its answer; a failure still gets the user a message."""
        await self.ack_first.wait()
        reply = await self._run(incoming, workspace)
        delivery = delivery_of(incoming)
        if reply is not None:
            await workspace.sender.deliver(reply, delivery)
        await workspace.sender.settle_placeholder(delivery.response_url)

    async def _run(self, incoming: Request | Action, workspace: Workspace) -> Reply | None:
        try:
            incoming = await workspace.directory.describe(incoming)
            if isinstance(incoming, Request):
                return await self.bot.handle(incoming)
            return await self.bot.handle_action(incoming)
        except Exception:
            # The core already turns skill failures into replies; this is the rest (database
            # down…). Answer anyway, with an id to find the log line.
            error_id = uuid.uuid4().hex[:8]
            log.exception("slack_handle_failed", error_id=error_id, tenant=incoming.tenant)
            return text_reply(
                f"Sorry, something went wrong on my side (error id `{error_id}`). "
                "Nothing was lost; please try again."
            )

    # --- serving ----------------------------------------------------------------------------

    def web_app(self) -> web.Application:
        """The HTTP app: Slack requests on ``POST /slack/events``, ``GET /healthz``."""
        if not self.signing_secret:
            # Without a secret anyone could forge requests (an empty HMAC key is public).
            raise RuntimeError(
                "Slack HTTP mode needs SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)"
            )
        application = web.Application()
        application.router.add_post(EVENTS_PATH, self._http_events)
        application.router.add_get("/healthz", self._healthz)
        if self.app.oauth_flow is not None:
            application.router.add_get(INSTALL_PATH, self._http_oauth)
            application.router.add_get(REDIRECT_PATH, self._http_oauth)
        return application

    async def _http_oauth(self, request: web.Request) -> web.Response:
        """The install page and Slack's redirect back, handled by Bolt's OAuth flow."""
        flow = self.app.oauth_flow
        assert flow is not None
        bolt_request = await to_bolt_request(request)
        if request.path == flow.install_path:
            bolt_response = await flow.handle_installation(bolt_request)
        else:
            bolt_response = await flow.handle_callback(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def _http_events(self, request: web.Request) -> web.Response:
        if self.draining:
            return _draining_response()
        # The request counts as in flight from here: the listener's own count begins before
        # the ack returns, so a drain never sees "idle" between the two.
        ticket = self.in_flight.begin()
        self.ack_first.enter()
        try:
            bolt_response = await self.app.async_dispatch(await to_bolt_request(request))
        finally:
            self.ack_first.leave()
            ticket.end()
        return await to_aiohttp_response(bolt_response)

    async def _healthz(self, _request: web.Request) -> web.Response:
        if self.draining:  # out of the load balancer's rotation while answers go out
            return _draining_response()
        return web.json_response({"ok": True})

    async def close(self, grace: float | None = None) -> None:
        """Let acknowledged work finish (at most ``grace`` seconds, by default the setting's
        grace period), then release connections."""
        limit = self.settings.shutdown_grace_seconds if grace is None else grace
        await self.in_flight.wait_idle(limit)
        await self.workspaces.close()

    async def drain(self, shutdown: Shutdown) -> int:
        """Take no new work and let acknowledged work finish; returns how much did not."""
        self.draining = True
        return await drain(self.in_flight, shutdown, "slack")

    async def warm_up(self) -> None:
        """Check the token once at start; a Web API outage is logged, not fatal."""
        if self.default is None:
            log.info("slack_multi_workspace", install_path=INSTALL_PATH)
            return
        identity = await self.default.sender.call("auth.test")
        if identity is None:
            log.warning("slack_auth_test_failed")
        else:
            log.info("slack_connected", team_id=identity.get("team_id"), bot=identity.get("user"))

    async def serve_http(
        self, host: str = "0.0.0.0", port: int | None = None, shutdown: Shutdown | None = None
    ) -> None:
        """Serve until ``shutdown`` is requested (or the task is cancelled), then drain:
        the port stops accepting connections, requests still arriving on open connections get
        503, acknowledged answers go out within the grace period."""
        shutdown = shutdown or Shutdown(self.settings.shutdown_grace_seconds)
        # Handlers still running at cleanup are past the grace period already: don't wait long.
        runner = web.AppRunner(self.web_app(), shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host=host, port=port or self.settings.port)
            await site.start()
            log.info("slack_http_listening", port=port or self.settings.port, path=EVENTS_PATH)
            await shutdown.wait()
            self.draining = True
            await site.stop()
            await self.drain(shutdown)
        finally:
            self.draining = True
            await runner.cleanup()
            await self.close(shutdown.remaining() if shutdown.requested else None)

    async def serve_socket_mode(self, app_token: str, shutdown: Shutdown | None = None) -> None:
        """Socket Mode until ``shutdown``: then new envelopes are left unacknowledged (Slack
        redelivers events elsewhere) while the socket stays open for the acks and answers of
        work already taken."""
        shutdown = shutdown or Shutdown(self.settings.shutdown_grace_seconds)
        handler = _socket_mode_handler(self, app_token)
        try:
            await handler.connect_async()
            log.info("slack_socket_mode_connected")
            await shutdown.wait()
            await self.drain(shutdown)
        finally:
            self.draining = True
            await handler.close_async()
            await self.close(shutdown.remaining() if shutdown.requested else None)


def _socket_mode_handler(adapter: SlackAdapter, app_token: str) -> Any:
    """Bolt's Socket Mode handler, counting each envelope in flight and refusing new ones
    while the adapter drains."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
    from slack_sdk.socket_mode.aiohttp import SocketModeClient
    from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
    from slack_sdk.socket_mode.request import SocketModeRequest
    from slack_sdk.socket_mode.response import SocketModeResponse

    class DrainingHandler(AsyncSocketModeHandler):
        async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
            if adapter.draining:
                log.info("slack_envelope_refused", kind=req.type, reason="shutting down")
                if req.type == "slash_commands":  # no retry for commands: say why instead
                    answer = {"response_type": "ephemeral", "text": RESTARTING}
                    response = SocketModeResponse(envelope_id=req.envelope_id, payload=answer)
                    await client.send_socket_mode_response(response)
                return
            ticket = adapter.in_flight.begin()
            try:
                # Bolt's aiohttp handler narrows the client to its own (the one it runs).
                await super().handle(cast(SocketModeClient, client), req)
            finally:
                ticket.end()

    return DrainingHandler(adapter.app, app_token=app_token)


def _draining_response() -> web.Response:
    response = web.json_response(
        {"ok": False, "error": "shutting_down"},
        status=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
    response.force_close()  # the next request opens a connection: to a replica that is up
    return response


def _retry_number(headers: Mapping[str, Any]) -> int:
    values = headers.get("x-slack-retry-num") or []
    value = values[0] if isinstance(values, list | tuple) and values else values
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _modal_errors(answer: Reply, body: Mapping[str, Any]) -> dict[str, str]:
    """Errors keyed by input block; Slack rejects keys that are not blocks of the view."""
    blocks = [b.get("block_id") for b in (body.get("view") or {}).get("blocks", [])]
    known = {block for block in blocks if block}
    errors = {name: message for name, message in answer.form_errors.items() if name in known}
    stray = [message for name, message in answer.form_errors.items() if name not in known]
    if stray and blocks and blocks[0]:
        first = str(blocks[0])
        errors[first] = " ".join(filter(None, [errors.get(first, ""), *stray]))
    return errors


def _errors_as_message(answer: Reply) -> Reply:
    if not answer.form_errors:
        return answer
    lines = "\n".join(f"- **{name}**: {message}" for name, message in answer.form_errors.items())
    return text_reply(f"The form was not saved:\n{lines}\nPlease run the command again.")


async def serve_slack(bot: Bot, settings: Settings, shutdown: Shutdown | None = None) -> None:
    """Run the Slack adapter until ``shutdown`` is requested (then drain) or the task is
    cancelled: Socket Mode with an app token, else HTTP."""
    adapter = SlackAdapter(bot, settings)
    await adapter.warm_up()
    app_token = _secret(settings.slack_app_token)
    # Installs need Slack to reach /slack/oauth_redirect: multi-workspace mode is HTTP only.
    if app_token and not settings.slack_oauth_enabled:
        await adapter.serve_socket_mode(app_token, shutdown)
    else:
        await adapter.serve_http(shutdown=shutdown)


__all__ = ["EVENTS_PATH", "InFlight", "SlackAdapter", "Ticket", "serve_slack"]
