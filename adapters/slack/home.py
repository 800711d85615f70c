"""The App Home tab: the core's home reply rendered as a Slack ``home`` view (pure).

The core builds the content (``/atelier home``, :mod:`bot.home`); this module lays the same
neutral blocks out with :func:`adapters.slack.blocks.to_blocks` and wraps them in a
``View(type="home")``, which slack_sdk validates (100 blocks at most; what does not fit is
replaced by a pointer to ``/atelier home``, never silently dropped).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from adapters.slack.blocks import to_blocks
from adapters.slack.translate import PLATFORM, UNCHECKED, tenant_of
from bot.messages import Form, Reply, Request

MAX_HOME_BLOCKS = 100
OVERFLOW = "There is more than fits here: `/atelier home` shows all of it."


def to_home_view(reply: Reply) -> dict[str, Any]:
    """The reply as a home view payload for ``views.publish``."""
    content = reply.model_copy(
        update={"blocks": tuple(b for b in reply.blocks if not isinstance(b, Form))}
    )
    rendered = to_blocks(content)
    blocks = [block for message in rendered.messages for block in message.blocks]
    if len(blocks) > MAX_HOME_BLOCKS:
        blocks = blocks[: MAX_HOME_BLOCKS - 1]
        blocks.append(SectionBlock(text=MarkdownTextObject(text=OVERFLOW)).to_dict())
    # Block.parse is typed Optional; every dict here came from to_blocks, so it parses.
    view = View(type="home", blocks=[Block.parse(block) for block in blocks])  # type: ignore[misc]
    return view.to_dict()


def home_opened_request(body: Mapping[str, Any]) -> Request | None:
    """An ``app_home_opened`` event on the Home tab as the request for the home view."""
    event = body.get("event")
    if not isinstance(event, Mapping) or event.get("tab", "home") != "home":
        return None
    user_id = str(event.get("user") or "")
    if not user_id:
        return None
    return home_request(tenant_of(body), user_id, str(event.get("channel") or ""))


def home_request(tenant: str, user_id: str, channel_id: str = "") -> Request:
    """``/atelier home`` for one person, as the Home tab asks it (private to them)."""
    return Request(
        tenant=tenant,
        user_id=user_id,
        channel_id=channel_id,
        is_private=True,
        command="atelier",
        text="home",
        platform=PLATFORM,
        access=UNCHECKED,
    )


__all__ = ["MAX_HOME_BLOCKS", "home_opened_request", "home_request", "to_home_view"]
