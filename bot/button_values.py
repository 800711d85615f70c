"""Long button values kept server-side, so every platform can carry every button.

Chat platforms cap what a button holds (Slack: 2,000 characters of value, 255 of action id;
Discord: 100 for the whole custom id). A skill may hand out a button whose value is longer (a
draft's text, a long brief). Every reply leaving the core passes :meth:`ButtonValues.fit`: a
button over the neutral limits below gets a short stored id instead, and :meth:`expand` puts
the original back when it is pressed, before the action is routed. A stored button works
after a restart and on any replica. The table is :class:`state.StoredButton` (the migrations
make it); old rows are pruned by ``bot/retention.py`` (``ATELIER_RETENTION_BUTTON_KEYS_DAYS``).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from bot.messages import Action, Block, Buttons, Reply
from state import Database, StoredButton

# What any platform can carry (Slack's are the tightest); longer is stored.
MAX_VALUE = 1000
MAX_ACTION_ID = 200
STORED_PREFIX = "stored:"


def needs_storing(action_id: str, value: str) -> bool:
    return len(value) > MAX_VALUE or len(action_id) > MAX_ACTION_ID


def _key(tenant: str, action_id: str, value: str) -> str:
    # The same button stored twice is one row: a re-rendered reply reuses its key.
    digest = hashlib.sha256(f"{tenant}\0{action_id}\0{value}".encode()).hexdigest()
    return digest[:32]


class ButtonValues:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def fit(self, reply: Reply | None, tenant: str) -> Reply | None:
        """The reply with every over-long button stored and replaced by a short id."""
        if reply is None or not any(
            isinstance(b, Buttons) and any(needs_storing(i.action_id, i.value) for i in b.items)
            for b in reply.blocks
        ):
            return reply
        blocks: list[Block] = []
        async with self.db.transaction() as session:
            for block in reply.blocks:
                if not isinstance(block, Buttons):
                    blocks.append(block)
                    continue
                items = []
                for item in block.items:
                    if not needs_storing(item.action_id, item.value):
                        items.append(item)
                        continue
                    key = _key(tenant, item.action_id, item.value)
                    if await session.get(StoredButton, key) is None:
                        session.add(
                            StoredButton(
                                key=key, tenant=tenant, action_id=item.action_id, value=item.value
                            )
                        )
                    items.append(
                        item.model_copy(update={"action_id": STORED_PREFIX + key, "value": ""})
                    )
                blocks.append(block.model_copy(update={"items": tuple(items)}))
        return reply.model_copy(update={"blocks": tuple(blocks)})

    async def expand(self, action: Action) -> Action:
        """The pressed button's original action id and value (unchanged when not stored, or
        when the stored row is gone or belongs to another workspace: then it reads as a
        button that is no longer supported)."""
        if not action.action_id.startswith(STORED_PREFIX):
            return action
        key = action.action_id.removeprefix(STORED_PREFIX)
        async with self.db.sessions() as session:
            row = await session.scalar(
                select(StoredButton).where(
                    StoredButton.key == key, StoredButton.tenant == action.tenant
                )
            )
        if row is None:
            return action
        return action.model_copy(update={"action_id": row.action_id, "value": row.value})


__all__ = ["MAX_ACTION_ID", "MAX_VALUE", "STORED_PREFIX", "ButtonValues", "needs_storing"]
