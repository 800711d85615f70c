"""Views that keep a submitted modal open while slow work runs: pure functions.

Slack closes a modal unless the submission is acknowledged within 3 seconds. When the work
is slower than the ack can wait, the ack swaps in :func:`saving_view`; once the work is done,
``views.update`` shows either the form again with its answers kept and its errors next to
the fields (:func:`form_with_errors`), or the result (:func:`done_view`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from bot.messages import Reply

_KEPT = ("type", "callback_id", "private_metadata", "title", "close", "notify_on_close")


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:3000], "emoji": True}


def _base(view: Mapping[str, Any]) -> dict[str, Any]:
    return {key: copy.deepcopy(view[key]) for key in _KEPT if key in view}


def saving_view(view: Mapping[str, Any]) -> dict[str, Any]:
    """The same modal, saying it is being saved (no submit button: nothing to press twice)."""
    return {
        **_base(view),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Saving…"}}],
    }


def done_view(view: Mapping[str, Any], answer: Reply | None) -> dict[str, Any]:
    """The modal after the work: the answer's first lines (the full answer follows as a
    message), or a plain "Done."."""
    text = (answer.text if answer is not None else "") or "Done."
    lines = text.strip().splitlines()[:6]
    return {
        **_base(view),
        "close": _plain("Close"),
        "blocks": [{"type": "section", "text": _plain("\n".join(lines) or "Done.")}],
    }


def form_with_errors(view: Mapping[str, Any], errors: Mapping[str, str]) -> dict[str, Any]:
    """The submitted form again: every answer as its field's initial value, and the errors
    in a note at the top and as each field's hint."""
    values = ((view.get("state") or {}).get("values")) or {}
    blocks: list[dict[str, Any]] = []
    for original in view.get("blocks") or []:
        block = copy.deepcopy(original)
        block_id = block.get("block_id")
        element = block.get("element")
        if block.get("type") == "input" and isinstance(element, dict):
            entered = (values.get(block_id) or {}).get(element.get("action_id")) or {}
            _keep_answer(element, entered)
            if block_id in errors:
                block["hint"] = _plain(f"⚠ {errors[block_id]}")
        blocks.append(block)
    note = "Please fix: " + " ".join(errors.values()) if errors else "Please check the form."
    notice = {"type": "context", "elements": [{"type": "mrkdwn", "text": note[:3000]}]}
    return {
        **_base(view),
        # A modal with inputs needs its submit button (Slack sends it back with the view).
        "submit": copy.deepcopy(view.get("submit") or _plain("Submit")),
        "blocks": [notice, *blocks][:100],
    }


def _keep_answer(element: dict[str, Any], entered: Mapping[str, Any]) -> None:
    if entered.get("value") is not None:
        element["initial_value"] = entered["value"]
    elif entered.get("selected_option"):
        element["initial_option"] = entered["selected_option"]
    elif entered.get("selected_date"):
        element["initial_date"] = entered["selected_date"]


__all__ = ["done_view", "form_with_errors", "saving_view"]
