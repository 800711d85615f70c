"""Button custom ids that survive a restart.

A Discord ``custom_id`` holds at most 100 characters. A button's id carries who may press it,
the tenant (server) its reply was made in, and the neutral action:
``atl:<owner id>:<tenant>:<action_id>|<value>``. The tenant travels with the button because a
draft's buttons are pressed in DMs, where there is no server to tell. When that does not fit,
the action and value are stored in SQL under a short random key and the id becomes
``atl:<owner id>:<tenant>:#<key>`` — still resolvable after a restart or on another replica.
The tables (:class:`state.ButtonKey`, :class:`state.FormState`) are the migrations'; old keys
are pruned by the core's retention (``ATELIER_RETENTION_BUTTON_KEYS_DAYS``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select

from bot.messages import Form
from state import FORM_KEPT, ButtonKey, Database, FormState, utcnow

CUSTOM_ID_LIMIT = 100
PREFIX = "atl"
# owner is a Discord user id (digits) or empty when anyone may press the button; tenant is a
# guild id.
TEMPLATE = re.compile(rf"^{PREFIX}:(?P<owner>\d*):(?P<tenant>[\w-]*):(?P<body>.+)$", re.DOTALL)

FORM_PREFIX = "atlf"
FORM_TEMPLATE = re.compile(rf"^{FORM_PREFIX}:(?P<owner>\d*):(?P<key>[0-9a-f]{{16}})$")


@dataclass(frozen=True)
class WaitingForm:
    """A form page to open again."""

    form: Form
    owner_id: str
    tenant: str
    values: dict[str, str]
    first: tuple[str, ...]
    page: int


@dataclass(frozen=True)
class Pressed:
    """What a button's custom id stands for."""

    owner_id: str  # "" when anyone may press it
    tenant: str
    action_id: str
    value: str


class ButtonKeys:
    """Encodes neutral buttons into custom ids and back."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def encode(self, owner_id: str, tenant: str, action_id: str, value: str) -> str:
        if not re.fullmatch(r"[\w-]*", tenant):
            raise ValueError(f"unexpected tenant id {tenant!r}")
        inline = f"{PREFIX}:{owner_id}:{tenant}:{action_id}|{value}"
        if (
            len(inline) <= CUSTOM_ID_LIMIT
            and "|" not in action_id
            and not action_id.startswith("#")
        ):
            return inline
        key = secrets.token_hex(8)
        async with self.db.transaction() as session:
            session.add(ButtonKey(key=key, action_id=action_id, value=value))
        return f"{PREFIX}:{owner_id}:{tenant}:#{key}"

    async def decode(self, custom_id: str) -> Pressed | None:
        """The action behind a custom id; ``None`` when it is not ours or its key is gone."""
        found = TEMPLATE.match(custom_id)
        if not found:
            return None
        owner, tenant, body = found["owner"], found["tenant"], found["body"]
        if body.startswith("#"):
            async with self.db.sessions() as session:
                row = await session.scalar(select(ButtonKey).where(ButtonKey.key == body[1:]))
            if row is None:
                return None
            return Pressed(owner, tenant, row.action_id, row.value)
        action_id, _, value = body.partition("|")
        return Pressed(owner, tenant, action_id, value)

    # --- forms waiting behind a button ------------------------------------------------------

    async def save_form(
        self,
        form: Form,
        owner_id: str,
        tenant: str,
        values: Mapping[str, str],
        first: Sequence[str] = (),
        page: int = 0,
    ) -> str:
        """Store a form page and return the custom id of the button that opens it."""
        key = secrets.token_hex(8)
        async with self.db.transaction() as session:
            await session.execute(
                delete(FormState).where(FormState.created_at < utcnow() - FORM_KEPT)
            )
            session.add(
                FormState(
                    key=key,
                    owner_id=owner_id,
                    tenant=tenant,
                    form=form.model_dump_json(),
                    answers=json.dumps(dict(values)),
                    first=json.dumps(list(first)),
                    page=page,
                )
            )
        return f"{FORM_PREFIX}:{owner_id}:{key}"

    async def load_form(self, custom_id: str) -> WaitingForm | None:
        """The form page behind a button; None when it is not ours or has expired."""
        found = FORM_TEMPLATE.match(custom_id)
        if not found:
            return None
        async with self.db.sessions() as session:
            row = await session.get(FormState, found["key"])
        # The owner in the button id is what the press is checked against: it must be the
        # owner the form was saved for, or a forged id could open someone else's answers.
        if row is None or row.owner_id != found["owner"]:
            return None
        created = row.created_at
        if created.tzinfo is None:  # SQLite hands back naive UTC
            created = created.replace(tzinfo=dt.UTC)
        if created < utcnow() - FORM_KEPT:
            return None
        return WaitingForm(
            form=Form.model_validate_json(row.form),
            owner_id=row.owner_id,
            tenant=row.tenant,
            values=dict(json.loads(row.answers)),
            first=tuple(json.loads(row.first)),
            page=row.page,
        )


def owner_of(custom_id: str) -> str:
    """The user id a custom id is reserved for ("" = anyone), without touching the database."""
    found = TEMPLATE.match(custom_id) or FORM_TEMPLATE.match(custom_id)
    return found["owner"] if found else ""
