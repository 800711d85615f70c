"""A past project: what the studio did, what it cost, and what it learned."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from knowledge.currencies import history_currency_codes

# ISO 4217 codes in use since 2000 (CLDR): a past project may be priced in a retired currency
# (kuna, lev), but an unknown code is a typo, not a currency.
CURRENCIES = history_currency_codes()

ProjectStatus = Literal["active", "closed"]
TRACKED: Final = "tracked"  # origin of a project closed in Atelier: its hours came from the log


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def normalise_tag(tag: str) -> str:
    """``"Next.js "`` -> ``"next.js"``; ``"Custom Theme"`` -> ``"custom-theme"``."""
    return re.sub(r"\s+", "-", tag.strip().lower())


def stable_id(title: str, client: str | None, started: dt.date | None) -> str:
    """An id that stays the same when the same project is imported again."""
    key = "|".join([title.strip().lower(), (client or "").strip().lower(), str(started or "")])
    return "p-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]


class ChangeHistory(BaseModel):
    """What the client's change requests did to a project while it ran (closed in Atelier)."""

    model_config = ConfigDict(extra="forbid")

    approved: int = Field(default=0, ge=0)
    declined: int = Field(default=0, ge=0)
    absorbed: int = Field(default=0, ge=0)
    approved_hours: float = Field(default=0.0, ge=0)
    absorbed_hours: float = Field(default=0.0, ge=0)
    approved_price: float = Field(default=0.0, ge=0)
    # The estimate before the approved changes raised it (None: the project had none).
    base_hours: float | None = Field(default=None, ge=0)

    @property
    def growth(self) -> float | None:
        """How much the approved changes added to the agreed estimate (0.12 = 12%)."""
        if not self.base_hours:
            return None
        return self.approved_hours / self.base_hours


class PastProject(BaseModel):
    """One project of the studio's history; closed ones are what estimates are made from."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=20_000)
    client: str | None = Field(default=None, max_length=200)
    type: str = Field(default="other", max_length=60)
    tags: list[str] = Field(default_factory=list)
    status: ProjectStatus = "closed"
    estimated_hours: float | None = Field(default=None, ge=0, le=100_000)
    actual_hours: float | None = Field(default=None, ge=0, le=100_000)
    price: float | None = Field(default=None, ge=0)
    currency: str = "USD"
    started: dt.date | None = None
    finished: dt.date | None = None
    phases: dict[str, float] = Field(default_factory=dict)
    lessons: list[str] = Field(default_factory=list)
    assets: list[str] = Field(default_factory=list)
    created: dt.datetime = Field(default_factory=_utcnow)
    updated: dt.datetime = Field(default_factory=_utcnow)
    # None: imported (or the demo); "tracked": closed from a project followed in Atelier, so an
    # import must not overwrite it by accident.
    origin: Literal["tracked"] | None = None
    # Its change requests, kept at close so future estimates can say how such projects grew.
    changes: ChangeHistory | None = None

    @field_validator("client", mode="before")
    @classmethod
    def _empty_client(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("tags", "lessons", "assets", mode="before")
    @classmethod
    def _text_as_list(cls, value: object, info: ValidationInfo) -> object:
        # Hand-written files give "shopify, theme" where a list is meant.
        if isinstance(value, str):
            separators = ";," if info.field_name == "tags" else "|"
            for separator in separators:
                if separator in value:
                    return [part for part in value.split(separator) if part.strip()]
            return [value] if value.strip() else []
        return value

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        return normalise_tag(value) or "other"

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        seen: dict[str, None] = {}
        for tag in value:
            if normalise_tag(tag):
                seen[normalise_tag(tag)] = None
        return list(seen)

    @field_validator("lessons", "assets")
    @classmethod
    def _non_empty(cls, value: list[str]) -> list[str]:
        return [item.strip() for item in value if item and item.strip()]

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.strip().upper()
        if code not in CURRENCIES:
            raise ValueError(f"unknown currency code {value!r}; use ISO 4217, e.g. USD or EUR")
        return code

    @field_validator("phases")
    @classmethod
    def _phases(cls, value: dict[str, float]) -> dict[str, float]:
        clean: dict[str, float] = {}
        for name, hours in value.items():
            if not name.strip():
                raise ValueError("a phase needs a name")
            if hours < 0:
                raise ValueError(f"phase {name.strip()!r} has negative hours")
            clean[name.strip().lower()] = float(hours)
        return clean

    @field_validator("finished")
    @classmethod
    def _finished_after_started(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        started = info.data.get("started")
        if value and started and value < started:
            raise ValueError(f"finished ({value}) is before started ({started})")
        return value

    def embedding_text(self) -> str:
        """What the vector represents: what was built, for whom (kind), with what."""
        parts = [self.title, self.type.replace("-", " ")]
        if self.tags:
            parts.append(", ".join(self.tags))
        parts.append(self.summary)
        return ". ".join(p.rstrip(". ") for p in parts if p)


__all__ = [
    "CURRENCIES",
    "TRACKED",
    "ChangeHistory",
    "PastProject",
    "ProjectStatus",
    "normalise_tag",
    "stable_id",
]
