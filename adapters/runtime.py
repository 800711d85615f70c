"""The composition root: settings -> services -> bot. Adapters and the CLI start here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.core import Bot
from bot.logs import register_secret
from bot.scoping.calibration import TenantBands
from bot.services import Services
from state import Database

if TYPE_CHECKING:  # imported where used: the store and the language models load slowly
    from bot.compose import Composer
    from bot.intent import IntentClassifier
    from bot.scoping.features import FeatureKeepingStore


def build_services(settings: Settings) -> Services:
    from knowledge.heap import limit_arenas

    limit_arenas()  # before the store and its threads allocate: see knowledge.heap
    for secret in (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.slack_client_secret,
        settings.slack_state_secret,
        settings.discord_token,
    ):
        if secret is not None:
            register_secret(secret.get_secret_value())
    register_secret(_database_password(settings))
    return Services(
        settings=settings,
        db=Database(settings.sqlalchemy_url, lock_timeout=settings.database_lock_timeout),
        knowledge_factory=lambda: open_knowledge(settings),
        composer=build_composer(settings),
        intent_classifier=build_intent_classifier(settings),
        bands=TenantBands(apart=settings.tuning_in_child),
    )


def _database_password(settings: Settings) -> str | None:
    """The password inside ATELIER_DATABASE_URL, scrubbed from logs like the tokens."""
    if settings.database_url is None:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(settings.sqlalchemy_url).password
    except ArgumentError:
        return None  # not a URL: the engine will say so, without echoing it


def open_knowledge(settings: Settings) -> FeatureKeepingStore:
    """Open the project store the settings describe (embedded Chroma or a server), writing
    each project's estimator features to the state database alongside."""
    from bot.scoping.features import FeatureKeepingStore
    from knowledge.store import ProjectStore
    from state.features import FeatureTable

    store = ProjectStore.open(
        data_dir=settings.data_dir,
        chroma_url=settings.chroma_url,
        embeddings=settings.embeddings,
    )
    features = FeatureTable(settings.sqlalchemy_url, lock_timeout=settings.database_lock_timeout)
    return FeatureKeepingStore(store, features)


def build_composer(settings: Settings) -> Composer:
    """The offline composer, or a grounded LLM one when ATELIER_LLM names a model that loads."""
    from bot.compose import OfflineComposer

    if not settings.llm:
        return OfflineComposer()  # the default: no langchain provider imported at all
    from bot.llm_composer import composer_for

    return composer_for(settings)


def build_intent_classifier(settings: Settings) -> IntentClassifier | None:
    """Model-based routing of free text the rules miss; None (rules only) without a model."""
    if not settings.llm:
        return None
    from bot.intent import classifier_for

    return classifier_for(settings)


@asynccontextmanager
async def running_bot(settings: Settings, *, warm_up: bool = False) -> AsyncIterator[Bot]:
    """The bot, started and closed; ``warm_up`` for one that serves until stopped (the
    platforms, the console): see :meth:`Bot.start`. One-shot commands leave it off."""
    bot = Bot(build_services(settings))
    try:
        # Start-up check: an unreachable database is one clear line (exit 2), not a traceback.
        await bot.services.db.ping()
        await bot.start(warm_up=warm_up)
        yield bot
    finally:
        await bot.close()
