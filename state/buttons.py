"""The tables behind buttons: what a button stands for when its platform can't carry it.

- ``stored_button_values``: a button value or action id longer than any platform carries,
  stored by the core (:mod:`bot.button_values`) under a short key.
- ``discord_button_keys``: a Discord custom id (100 characters at most) that does not fit
  inline, stored by the Discord adapter under a short random key.
- ``discord_form_states``: a Discord form page waiting behind an "Open the form" button.

All three are bookkeeping: old rows are pruned (``bot/retention.py``); an expired button says
it is no longer supported and changes nothing. They are part of the one schema the Alembic
migrations own, like every other table.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from state.schema import Base, utcnow

# A form page older than this has expired (its answers are kept no longer).
FORM_KEPT = dt.timedelta(days=7)


class StoredButton(Base):
    __tablename__ = "stored_button_values"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    action_id: Mapped[str] = mapped_column(Text)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ButtonKey(Base):
    __tablename__ = "discord_button_keys"

    key: Mapped[str] = mapped_column(String(24), primary_key=True)
    action_id: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FormState(Base):
    """A form page waiting behind an "Open the form" / "Continue" / "Fix and resubmit" button:
    everything needed to open it again, also after a restart or on another replica."""

    __tablename__ = "discord_form_states"

    key: Mapped[str] = mapped_column(String(24), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(32))
    tenant: Mapped[str] = mapped_column(String(64))
    form: Mapped[str] = mapped_column(Text)  # the neutral Form as JSON
    answers: Mapped[str] = mapped_column(Text)  # field name -> text typed so far
    first: Mapped[str] = mapped_column(Text, default="[]")  # fields asked first
    page: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
