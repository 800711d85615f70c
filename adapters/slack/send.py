"""Delivering a rendered reply through Slack's Web API and response URLs.

Where a reply goes follows its visibility:

- ``ephemeral``: the command's ``response_url`` when there is one, else ``chat.postEphemeral``
  (or a plain post inside the bot's own DM, where only the requester reads anyway);
- ``dm``: the requester's IM with the bot (``conversations.open`` + ``chat.postMessage``), plus
  an ephemeral notice where the request was made;
- ``public``: the channel (``response_url`` ``in_channel`` for commands, else
  ``chat.postMessage``, in the thread of a mention);
- ``Reply.channel_id``: ``chat.postMessage`` to that channel. When the reply asks to hear
  back (``Reply.confirm``, e.g. a client update), what Slack answered (the message's ``ts`` and
  ``chat.getPermalink``, or the error code in plain words) goes to ``Bot.confirm_delivery``
  and its answer is delivered to the requester.

A Web API failure is logged and never raised: the listener that called us must not crash,
and when a channel refuses the answer (the bot is not a member…) the requester gets it in
their DM instead, so an answer never silently vanishes.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import (
    Rendered,
    SlackMessage,
    channel_link,
    plain_message,
    to_blocks,
    to_modal,
    trusted_message,
)
from adapters.slack.translate import Delivery
from bot.logs import get_logger
from bot.messages import ConfirmDelivery, DeliveryOutcome, Image, Reply, Visibility

log = get_logger(__name__)

DEFAULT_NOTICE = "Sent to your DMs."
MAX_BLOCKS = 50  # per message
DM_FAILED = (
    "I couldn't deliver that to your DMs just now, so nothing was shown here either "
    "(it is private). Please try again in a moment."
)
_FAILURES = (SlackClientError, aiohttp.ClientError, OSError, TimeoutError, ValueError)
# Hands a delivery outcome to the core (Bot.confirm_delivery) and returns its answer.
Reporter = Callable[[ConfirmDelivery, DeliveryOutcome], Awaitable[Reply | None]]

# Slack's error codes for a refused chat.postMessage, in words the requester can act on.
REFUSALS = {
    "not_in_channel": "the app isn't a member of that channel. Invite it there "
    "(`/invite @Atelier`), then try again",
    "channel_not_found": "Slack can't find that channel: it was deleted, or it is private and "
    "the app isn't in it. Check the project's client channel",
    "is_archived": "that channel is archived",
    "missing_scope": "the app lacks Slack's permission to post messages (`chat:write`). "
    "Reinstall it from its manifest so it gets the permissions it needs",
    "not_allowed_token_type": "the app's token is not a bot token (`xoxb-…`)",
    "invalid_auth": "Slack didn't accept the app's token (revoked, or the app was uninstalled)",
    "token_revoked": "the app's token was revoked; reinstall the app",
    "account_inactive": "the app's token belongs to a deactivated account; reinstall the app",
    "restricted_action": "the workspace's settings don't let the app post in that channel",
    "restricted_action_read_only_channel": "that channel is read-only for the app",
    "ekm_access_denied": "the workspace's key management denied access",
    "msg_too_long": "the message is longer than Slack accepts",
    "ratelimited": "Slack is limiting how fast the app may post; wait a minute",
}
# Methods that read their arguments only from form fields or the query string.
READ_METHODS = frozenset({"auth.test", "chat.getPermalink", "users.info", "conversations.info"})
# Codes after which Slack may still have posted the message: neither posted nor refused.
_UNCERTAIN = {"internal_error", "fatal_error", "request_timeout", "service_unavailable"}


def retry_handlers() -> list[AsyncRetryHandler]:
    """Honour 429 Retry-After, retry 500/503 and dropped connections once or twice."""
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        AsyncServerErrorRetryHandler(max_retry_count=1),
        AsyncConnectionErrorRetryHandler(max_retry_count=1),
    ]


class Sender:
    """Sends replies for one Slack app (one bot token)."""

    def __init__(self, client: AsyncWebClient, report: Reporter | None = None) -> None:
        self.client = client
        self.report = report
        self._session: aiohttp.ClientSession | None = None
        # Response URLs whose ephemeral "working on it" note the answer must replace.
        self._placeholders: set[str] = set()

    def session(self) -> aiohttp.ClientSession:
        """One connection pool for every Web API and response-URL call (made on first use,
        inside the running event loop); a session per call would cost a TCP+TLS handshake."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self.client.session = self._session
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
            self.client.session = None

    # --- the entry points -----------------------------------------------------------------

    def expect_placeholder(self, response_url: str) -> None:
        """The command was acknowledged with a placeholder: the first private message sent
        to ``response_url`` replaces it, and any other answer deletes it first."""
        self._placeholders.add(response_url)

    async def react(self, channel: str, ts: str, name: str, *, remove: bool = False) -> bool:
        """Add (or remove) a reaction on a message; False when Slack said no."""
        method = "reactions.remove" if remove else "reactions.add"
        return await self.call(method, channel=channel, timestamp=ts, name=name) is not None

    async def settle_placeholder(self, response_url: str | None) -> None:
        """Delete a placeholder nothing replaced (the answer went elsewhere, or none came)."""
        if response_url and response_url in self._placeholders:
            self._placeholders.discard(response_url)
            await self._send_webhook(response_url, {"delete_original": True})

    async def deliver(self, reply: Reply, delivery: Delivery) -> None:
        """Render and send a reply; open its form as a modal when it has one."""
        rendered = self.render(reply)
        if rendered.form is not None:
            await self.open_form(rendered, delivery, _slash_command(reply))
        if not rendered.messages and not rendered.images:
            return
        if reply.replace_original and self._can_replace(reply, delivery):
            await self._replace(rendered, delivery)
        elif reply.channel_id and reply.confirm is not None:
            await self._post_and_report(rendered, reply.channel_id, reply.confirm, delivery)
        elif reply.channel_id:
            await self._to_channel(rendered, reply.channel_id, delivery)
            if reply.notice:
                await self.ephemeral([plain_message(reply.notice)], delivery)
        elif reply.visibility is Visibility.DM:
            await self._to_dm(rendered, reply.notice or DEFAULT_NOTICE, delivery)
        elif reply.visibility is Visibility.PUBLIC:
            await self._public(rendered, delivery)
        else:
            messages, images = await self._images_inline(rendered)
            await self.ephemeral(messages, delivery)
            await self._images_privately(images, delivery)

    def render(self, reply: Reply) -> Rendered:
        try:
            return to_blocks(reply)
        except Exception:
            # A rendering bug must not swallow the answer: send its plain text instead.
            error_id = uuid.uuid4().hex[:8]
            log.exception("slack_render_failed", error_id=error_id)
            text = reply.text or f"Sorry, I could not display that answer (error id {error_id})."
            return Rendered(messages=[plain_message(text)], form=reply.form)

    async def open_form(
        self, rendered: Rendered, delivery: Delivery, command: str = "the slash command"
    ) -> None:
        form = rendered.form
        assert form is not None
        if not delivery.trigger_id:
            await self.ephemeral(
                [
                    plain_message(
                        f"**{form.title}** is a form, and Slack opens forms only from a slash "
                        f"command or a button: please use {command}."
                    )
                ],
                delivery,
            )
            return
        try:
            view = to_modal(form, channel_id=delivery.channel_id, thread_ts=delivery.thread_ts)
        except _FAILURES:
            log.exception("slack_form_render_failed", form_id=form.form_id)
            view = None
        opened = view is not None and await self.call(
            "views.open", trigger_id=delivery.trigger_id, view=view
        )
        if not opened:
            await self.ephemeral(
                [plain_message("I couldn't open the form in time; please run the command again.")],
                delivery,
            )

    async def error(self, text: str, delivery: Delivery) -> None:
        await self.ephemeral([plain_message(text)], delivery)

    # --- destinations ----------------------------------------------------------------------

    async def ephemeral(self, messages: list[SlackMessage], delivery: Delivery) -> None:
        for message in messages:
            if delivery.response_url:
                if await self.webhook(
                    delivery.response_url,
                    message,
                    response_type="ephemeral",
                    replace_original=False,
                ):
                    continue
            elif delivery.is_im and delivery.channel_id:
                if await self.post(delivery.channel_id, message, delivery.thread_ts):
                    continue
            elif delivery.channel_id and await self.call(
                "chat.postEphemeral",
                channel=delivery.channel_id,
                user=delivery.user_id,
                text=message.text,
                blocks=message.blocks,
                **_thread(delivery.thread_ts),
            ):
                continue
            await self._dm_fallback(message, delivery)

    async def _images_inline(
        self, rendered: Rendered
    ) -> tuple[list[SlackMessage], tuple[Image, ...]]:
        """An ephemeral answer keeps its chart next to its text: each image is uploaded
        without a channel (private to the app) and shown by an image block in the last
        message. Images that could not be uploaded are returned, for the DM as before."""
        if not rendered.images or not rendered.messages:
            return rendered.messages, rendered.images
        blocks: list[dict[str, Any]] = []
        left: list[Image] = []
        for image in rendered.images:
            file_id = await self.upload_file(image)
            if file_id is None:
                left.append(image)
                continue
            block: dict[str, Any] = {
                "type": "image",
                "slack_file": {"id": file_id},
                "alt_text": image.alt_text[:2000],
            }
            if image.title:
                block["title"] = {"type": "plain_text", "text": image.title[:2000]}
            blocks.append(block)
        if not blocks:
            return rendered.messages, rendered.images
        *first, last = rendered.messages
        if len(last.blocks) + len(blocks) > MAX_BLOCKS:
            return [*rendered.messages, SlackMessage(text=last.text[:100], blocks=blocks)], tuple(
                left
            )
        return [*first, SlackMessage(text=last.text, blocks=[*last.blocks, *blocks])], tuple(left)

    async def upload_file(self, image: Image) -> str | None:
        """Upload an image shared with no channel; its file id, or None."""
        self.session()
        try:
            response = await self.client.files_upload_v2(
                content=image.data,
                filename=image.filename,
                title=image.title or image.alt_text,
                alt_txt=image.alt_text,
            )
        except _FAILURES as problem:
            log.warning("slack_upload_failed", channel="", error=_describe(problem))
            return None
        files = (response.data or {}).get("files") if isinstance(response.data, dict) else None
        found = files[0].get("id") if isinstance(files, list) and files else None
        return str(found) if found else None

    @staticmethod
    def _can_replace(reply: Reply, delivery: Delivery) -> bool:
        """A button's answer may replace its message only where the same people see both:
        a private answer to a message in the bot's DM, or an ephemeral one in place."""
        if not delivery.response_url or reply.channel_id:
            return False
        if reply.visibility is Visibility.EPHEMERAL:
            return True
        return reply.visibility is Visibility.DM and delivery.is_im

    async def _replace(self, rendered: Rendered, delivery: Delivery) -> None:
        assert delivery.response_url
        rest = list(rendered.messages)
        first = rest.pop(0) if rest else None
        if first is not None and not await self.webhook(
            delivery.response_url, first, replace_original=True
        ):
            rest.insert(0, first)
        await self.ephemeral(rest, delivery)
        await self._images_privately(rendered.images, delivery)

    async def _public(self, rendered: Rendered, delivery: Delivery) -> None:
        for message in rendered.messages:
            if delivery.response_url:
                url = delivery.response_url
                sent = await self.webhook(url, message, response_type="in_channel")
            else:
                sent = await self.post(delivery.channel_id, message, delivery.thread_ts)
            if not sent:
                await self._dm_fallback(message, delivery)
        for image in rendered.images:
            if not await self.upload(image, delivery.channel_id, delivery.thread_ts):
                await self._images_privately((image,), delivery)

    async def _to_dm(self, rendered: Rendered, notice: str, delivery: Delivery) -> None:
        """Private content goes to the IM or nowhere: never shown in the channel instead."""
        channel = await self.open_im(delivery.user_id)
        delivered = channel is not None
        if channel is not None:
            for message in rendered.messages:
                delivered = await self.post(channel, message) and delivered
            for image in rendered.images:
                await self.upload(image, channel)
        if not delivered:
            await self.error(DM_FAILED, delivery)
        elif channel != delivery.channel_id:
            await self.ephemeral([plain_message(notice)], delivery)

    async def _to_channel(self, rendered: Rendered, channel: str, delivery: Delivery) -> None:
        for message in rendered.messages:
            if not await self.post(channel, message):
                text = (
                    f"I couldn't post to {channel_link(channel)}; is the app a member of that "
                    "channel? (`/invite @Atelier` there.) Nothing was sent."
                )
                await self.ephemeral([trusted_message(text)], delivery)
                return
        for image in rendered.images:
            await self.upload(image, channel)

    async def _post_and_report(
        self, rendered: Rendered, channel: str, confirm: ConfirmDelivery, delivery: Delivery
    ) -> None:
        """Post, tell the core what Slack did, deliver its answer to the requester."""
        outcome = await self.post_for_outcome(rendered, channel)
        if self.report is None:
            log.error("slack_delivery_unreported", channel=channel, state=outcome.state.value)
            return
        answer = await self.report(confirm, outcome)
        if outcome.delivered:
            await self._retire_buttons(delivery, channel)
        if answer is not None:
            await self.deliver(answer, delivery)

    async def _retire_buttons(self, delivery: Delivery, channel: str) -> None:
        """The message whose button posted it keeps its text but loses its buttons, so it
        cannot be posted twice by a second press."""
        if not delivery.response_url or not delivery.message_blocks:
            return
        kept = [block for block in delivery.message_blocks if block.get("type") != "actions"]
        note = f"Posted to {channel_link(channel)}."
        kept.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
        await self._send_webhook(
            delivery.response_url,
            {"replace_original": True, "text": note, "blocks": kept},
        )

    async def post_for_outcome(self, rendered: Rendered, channel: str) -> DeliveryOutcome:
        """Post every message; the first one's ts and permalink, or why Slack said no."""
        first: dict[str, Any] | None = None
        for message in rendered.messages:
            data, problem = await self._post_checked(channel, message)
            if data is None:
                assert problem is not None
                if first is None:
                    return problem
                return (await self._confirmed(channel, first)).model_copy(
                    update={"complete": False, "reason": problem.reason}
                )
            first = first or data
        for image in rendered.images:
            await self.upload(image, channel)
        if first is None:
            return DeliveryOutcome.refused(channel, "empty", "there was nothing to post")
        return await self._confirmed(channel, first)

    async def _confirmed(self, channel: str, posted: dict[str, Any]) -> DeliveryOutcome:
        ts = str(posted.get("ts") or "") or None
        where = str(posted.get("channel") or channel)
        link = None
        if ts:
            found = await self.call("chat.getPermalink", channel=where, message_ts=ts)
            link = str((found or {}).get("permalink") or "") or None
        return DeliveryOutcome.ok(where, ts, link)

    async def _post_checked(
        self, channel: str, message: SlackMessage
    ) -> tuple[dict[str, Any] | None, DeliveryOutcome | None]:
        """chat.postMessage keeping Slack's answer: its data, or the outcome of a failure."""
        self.session()
        arguments = {
            "channel": channel,
            "text": message.text,
            "blocks": message.blocks,
            "unfurl_links": False,
        }
        try:
            response = await self.client.api_call("chat.postMessage", json=arguments)
        except SlackApiError as problem:
            code = str(problem.response.get("error", "error"))
            log.warning("slack_post_refused", channel=channel, error=code)
            reason = REFUSALS.get(code, f"Slack refused the post (`{code}`)")
            if code in _UNCERTAIN:
                return None, DeliveryOutcome.unknown(channel, code, reason)
            return None, DeliveryOutcome.refused(channel, code, reason)
        except aiohttp.ClientConnectorError as problem:
            log.warning("slack_post_failed", channel=channel, error=_describe(problem))
            return None, DeliveryOutcome.refused(
                channel, "unreachable", "I couldn't reach Slack; try again in a minute"
            )
        except _FAILURES as problem:
            # A timeout or a dropped connection: the message may or may not be there.
            log.warning("slack_post_failed", channel=channel, error=_describe(problem))
            return None, DeliveryOutcome.unknown(
                channel, "no_answer", "Slack did not answer in time"
            )
        data = response.data if isinstance(response.data, dict) else {}
        return dict(data), None

    async def _images_privately(self, images: tuple[Image, ...], delivery: Delivery) -> None:
        if not images:
            return
        channel = (
            delivery.channel_id if delivery.is_im and not delivery.response_url else None
        ) or await self.open_im(delivery.user_id)
        if channel is None:
            return
        for image in images:
            await self.upload(image, channel)

    async def _dm_fallback(self, message: SlackMessage, delivery: Delivery) -> None:
        channel = await self.open_im(delivery.user_id)
        if channel is None or channel == delivery.channel_id:
            log.error("slack_answer_undelivered", user_id=delivery.user_id)
            return
        await self.post(channel, message)

    # --- Web API calls ---------------------------------------------------------------------

    async def open_im(self, user_id: str) -> str | None:
        if not user_id:
            return None
        opened = await self.call("conversations.open", users=user_id)
        channel = (opened or {}).get("channel") or {}
        return channel.get("id") if isinstance(channel, dict) else None

    async def post(self, channel: str, message: SlackMessage, thread_ts: str | None = None) -> bool:
        found = await self.call(
            "chat.postMessage",
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            unfurl_links=False,
            **_thread(thread_ts),
        )
        return found is not None

    async def upload(self, image: Image, channel: str, thread_ts: str | None = None) -> bool:
        self.session()
        try:
            await self.client.files_upload_v2(
                channel=channel,
                content=image.data,
                filename=image.filename,
                title=image.title or image.alt_text,
                alt_txt=image.alt_text,
                thread_ts=thread_ts or None,  # None: not in a thread (the method's default)
            )
        except _FAILURES as problem:
            log.warning("slack_upload_failed", channel=channel, error=_describe(problem))
            return False
        return True

    async def call(self, method: str, **arguments: Any) -> dict[str, Any] | None:
        """One Web API call; its data, or None after logging why it failed. Read methods get
        their arguments as form fields (Slack ignores a JSON body on them), the others JSON."""
        self.session()
        try:
            if method in READ_METHODS:
                response = await self.client.api_call(method, params=arguments)
            else:
                response = await self.client.api_call(method, json=arguments)
        except _FAILURES as problem:
            log.warning("slack_api_failed", method=method, error=_describe(problem))
            return None
        return dict(response.data) if isinstance(response.data, dict) else {}

    async def webhook(self, url: str, message: SlackMessage, **extra: Any) -> bool:
        payload = {"text": message.text, "blocks": message.blocks, **extra}
        if url in self._placeholders:
            self._placeholders.discard(url)
            if payload.get("response_type", "ephemeral") == "ephemeral":
                payload["replace_original"] = True  # the placeholder becomes the answer
            else:
                # An ephemeral note cannot turn into a channel message: remove it, then post.
                await self._send_webhook(url, {"delete_original": True})
        return await self._send_webhook(url, payload)

    async def _send_webhook(self, url: str, payload: dict[str, Any]) -> bool:
        client = AsyncWebhookClient(
            url=url, session=self.session(), retry_handlers=retry_handlers()
        )
        try:
            response = await client.send_dict(payload)
        except _FAILURES as problem:
            log.warning("slack_response_url_failed", error=_describe(problem))
            return False
        if response.status_code != 200:
            log.warning("slack_response_url_failed", status=response.status_code)
            return False
        return True


def _thread(thread_ts: str | None) -> dict[str, str]:
    return {"thread_ts": thread_ts} if thread_ts else {}


def _describe(problem: Exception) -> str:
    if isinstance(problem, SlackApiError):
        return str(problem.response.get("error", "error"))
    return f"{type(problem).__name__}: {problem}"[:200]


def _slash_command(reply: Reply) -> str:
    """The slash command that asked for a form, as the person would type it (the core says
    which command answered: ``Reply.command``); its text only when short enough to retype."""
    if reply.command is None:
        return "the slash command"
    text = " ".join(reply.command_text.split())
    typed = f"/{reply.command} {text}" if text and len(text) <= 40 else f"/{reply.command}"
    return f"`{typed.replace('`', '')}`"

