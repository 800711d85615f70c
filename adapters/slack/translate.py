"""Slack payloads -> the neutral model: pure functions, no I/O.

Every function takes the parsed payload Bolt hands a listener (``body``) and returns a
:class:`bot.messages.Request` or :class:`bot.messages.Action`. The Slack-only details an
adapter still needs to answer (response_url, trigger_id, the thread to reply in) travel in
``raw`` and are read back with :func:`delivery_of`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from adapters.slack.blocks import original_action_id
from bot.messages import Access, Action, Request, Role

PLATFORM = "slack"
# The slash command that can carry every other one as its first word.
UMBRELLA = "atelier"
# Nobody is vouched for until the adapter has asked Slack (adapters/slack/access.py).
UNCHECKED = Access(role=Role.UNKNOWN)


@dataclass(frozen=True)
class Delivery:
    """Where and how to answer one Slack interaction."""

    channel_id: str
    user_id: str
    thread_ts: str | None = None
    response_url: str | None = None
    trigger_id: str | None = None
    is_im: bool = False
    # The blocks of the message whose button was pressed (to update it after a post).
    message_blocks: tuple[dict[str, Any], ...] = ()


def tenant_of(body: Mapping[str, Any]) -> str:
    """The workspace a payload belongs to: the Enterprise Grid org when present, else the team.

    Slash commands carry flat ``enterprise_id``/``team_id``; events carry them flat too;
    interactivity payloads nest them under ``enterprise``/``team`` (or only under ``user``).
    """
    enterprise = body.get("enterprise_id") or _id(body.get("enterprise"))
    if enterprise:
        return str(enterprise)
    team = body.get("team_id") or _id(body.get("team"))
    if not team:
        user = body.get("user")
        team = user.get("team_id") if isinstance(user, Mapping) else None
    if not team:
        view = body.get("view")
        team = view.get("team_id") if isinstance(view, Mapping) else None
    return str(team or "unknown")


def _id(value: object) -> str | None:
    if isinstance(value, Mapping):
        found = value.get("id")
        return str(found) if found else None
    return None


def is_im_channel(channel_id: str) -> bool:
    """Direct-message channel ids start with ``D``."""
    return channel_id.startswith("D")


def command_to_request(
    body: Mapping[str, Any], prefix: str = "", commands: Collection[str] = ()
) -> Request:
    """A slash command (``/scope a brief``) as a Request.

    ``prefix`` is the configured command prefix (``/at-scope`` is ``scope``). ``/atelier`` whose
    first word is another of ``commands`` runs that command (``/atelier scope <brief>``), so
    one slash command can carry them all.

    Slack never retries a slash command, so its ``trigger_id`` (unique per invocation) is the
    stable id the core de-duplicates on.
    """
    channel_id = str(body.get("channel_id", ""))
    command = str(body.get("command", "")).lstrip("/").lower().removeprefix(prefix)
    text = str(body.get("text", ""))
    first, _, rest = text.strip().partition(" ")
    if command == UMBRELLA and first.lower() in commands and first.lower() != UMBRELLA:
        command, text = first.lower(), rest.strip()
    return Request(
        tenant=tenant_of(body),
        user_id=str(body.get("user_id") or "unknown"),
        user_name=str(body.get("user_name", "")),
        channel_id=channel_id,
        is_private=is_im_channel(channel_id),
        command=command or None,
        text=text,
        event_id=_stable_id("command", body.get("trigger_id")),
        platform=PLATFORM,
        access=UNCHECKED,
        raw={
            "delivery": Delivery(
                channel_id=channel_id,
                user_id=str(body.get("user_id", "")),
                response_url=body.get("response_url"),
                trigger_id=body.get("trigger_id"),
                is_im=is_im_channel(channel_id),
            )
        },
    )


def event_to_request(body: Mapping[str, Any]) -> Request | None:
    """An ``app_mention`` or a DM (``message.im``) as a Request; None for what to ignore.

    Ignored: messages from bots (ours included), edits, deletions and other subtypes, and
    empty events. A mention is answered in its thread (a new thread on the mention itself).
    """
    event = body.get("event")
    if not isinstance(event, Mapping):
        return None
    kind = event.get("type")
    if kind not in {"app_mention", "message"}:
        return None
    subtype = event.get("subtype")
    # A file shared in the DM (subtype file_share) is history to import; other subtypes
    # (edits, deletions, joins) are not requests.
    if (subtype and subtype != "file_share") or event.get("bot_id") or event.get("bot_profile"):
        return None
    user_id = event.get("user")
    channel_id = str(event.get("channel", ""))
    if not user_id or not channel_id:
        return None
    is_im = kind == "message" and (event.get("channel_type") == "im" or is_im_channel(channel_id))
    if kind == "message" and not is_im:
        return None
    if kind == "app_mention" and is_im_channel(channel_id):
        # A mention inside a DM also arrives as message.im; answer that one only.
        return None
    file_ids = shared_file_ids(event) if is_im else []
    if subtype == "file_share" and not file_ids:
        return None
    thread_ts = event.get("thread_ts") or (None if is_im else event.get("ts"))
    return Request(
        tenant=tenant_of(body),
        user_id=str(user_id),
        channel_id=channel_id,
        thread_id=thread_ts,
        is_private=is_im,
        command=None,
        text=str(event.get("text", "")),
        event_id=_stable_id("event", body.get("event_id") or event.get("client_msg_id")),
        platform=PLATFORM,
        access=UNCHECKED,
        raw={
            "delivery": Delivery(
                channel_id=channel_id,
                user_id=str(user_id),
                thread_ts=thread_ts,
                is_im=is_im,
            ),
            **({FILE_IDS: file_ids} if file_ids else {}),
        },
    )


FILE_IDS = "file_ids"  # raw key: ids of files shared in a DM, fetched by adapters/slack/files.py


def shared_file_ids(event: Mapping[str, Any]) -> list[str]:
    """Ids of the files a DM message shares (``files`` on message events)."""
    files = event.get("files")
    if not isinstance(files, list):
        return []
    return [str(f["id"]) for f in files if isinstance(f, Mapping) and f.get("id")]


def block_action_to_action(body: Mapping[str, Any]) -> Action | None:
    """A button click as an Action (the first action of the payload)."""
    actions = body.get("actions") or []
    if not actions or not isinstance(actions[0], Mapping):
        return None
    clicked = actions[0]
    action_id = original_action_id(str(clicked.get("action_id", "")))
    if not action_id:
        return None
    user = body.get("user") or {}
    container = body.get("container") or {}
    channel_id = str(_id(body.get("channel")) or container.get("channel_id") or "")
    message = body.get("message") or {}
    message_ts = container.get("message_ts") or message.get("ts")
    thread_ts = message.get("thread_ts")
    return Action(
        action_id=action_id,
        value=str(clicked.get("value") or _selected(clicked)),
        tenant=tenant_of(body),
        user_id=str(user.get("id") or "unknown"),
        user_name=str(user.get("username") or user.get("name") or ""),
        channel_id=channel_id,
        message_id=message_ts,
        event_id=_stable_id("action", body.get("trigger_id")),
        platform=PLATFORM,
        access=UNCHECKED,
        raw={
            "delivery": Delivery(
                channel_id=channel_id,
                user_id=str(user.get("id", "")),
                thread_ts=thread_ts,
                response_url=body.get("response_url"),
                trigger_id=body.get("trigger_id"),
                is_im=is_im_channel(channel_id),
                message_blocks=tuple(
                    block for block in message.get("blocks") or () if isinstance(block, dict)
                ),
            )
        },
    )


def _selected(clicked: Mapping[str, Any]) -> str:
    option = clicked.get("selected_option")
    if isinstance(option, Mapping):
        return str(option.get("value", ""))
    return ""


def view_submission_to_action(body: Mapping[str, Any]) -> Action | None:
    """A submitted modal as an Action: ``action_id`` is the form id, fields in ``values``.

    The modal's ``private_metadata`` (written by :func:`adapters.slack.blocks.to_modal`) says
    which form it was, its value, and the channel it was opened from.
    """
    view = body.get("view") or {}
    meta = parse_metadata(view.get("private_metadata"))
    form_id = str(meta.get("form_id") or view.get("callback_id") or "")
    if not form_id:
        return None
    user = body.get("user") or {}
    channel_id = str(meta.get("channel_id", ""))
    return Action(
        action_id=form_id,
        value=str(meta.get("value", "")),
        tenant=tenant_of(body),
        user_id=str(user.get("id") or "unknown"),
        user_name=str(user.get("username") or user.get("name") or ""),
        channel_id=channel_id,
        values=form_values(view),
        event_id=_stable_id("view", body.get("trigger_id") or view.get("id")),
        platform=PLATFORM,
        access=UNCHECKED,
        raw={
            "delivery": Delivery(
                channel_id=channel_id,
                user_id=str(user.get("id", "")),
                thread_ts=meta.get("thread_ts"),
                trigger_id=body.get("trigger_id"),
                is_im=is_im_channel(channel_id),
            )
        },
    )


def form_values(view: Mapping[str, Any]) -> dict[str, str]:
    """``view.state.values`` flattened to field name -> text (blocks are named by field)."""
    values: dict[str, str] = {}
    state = (view.get("state") or {}).get("values") or {}
    for block_id, inputs in state.items():
        if not isinstance(inputs, Mapping):
            continue
        for element in inputs.values():
            if not isinstance(element, Mapping):
                continue
            value = element.get("value")
            if value is None:
                value = _selected(element)
            values[str(block_id)] = str(value or "")
    return values


def parse_metadata(text: object) -> dict[str, Any]:
    """The JSON the adapter put into a modal's ``private_metadata``; {} when absent or bad."""
    if not isinstance(text, str) or not text:
        return {}
    try:
        found = json.loads(text)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def delivery_of(source: Request | Action) -> Delivery:
    """The Slack delivery details of a translated Request/Action."""
    found = source.raw.get("delivery")
    if isinstance(found, Delivery):
        return found
    return Delivery(channel_id=source.channel_id, user_id=source.user_id)


def _stable_id(kind: str, value: object) -> str | None:
    return f"{kind}:{value}" if value else None


__all__ = [
    "PLATFORM",
    "Delivery",
    "block_action_to_action",
    "command_to_request",
    "delivery_of",
    "event_to_request",
    "form_values",
    "is_im_channel",
    "parse_metadata",
    "tenant_of",
    "view_submission_to_action",
]
