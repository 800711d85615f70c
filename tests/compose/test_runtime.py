"""Which composer the composition root builds: offline by default, LLM when a model loads."""

from __future__ import annotations

import sys

import langchain.chat_models
import pytest
from structlog.testing import capture_logs

import language.models
from adapters.runtime import build_services
from bot.compose import OfflineComposer
from bot.config import load_settings
from bot.intent import IntentClassifier
from bot.llm_composer import LLMComposer
from tests.compose.fakes import scripted


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(language.models, "_warned", set())


def test_offline_by_default(settings):
    services = build_services(settings)
    assert isinstance(services.composer, OfflineComposer)
    assert services.intent_classifier is None


def test_a_missing_provider_package_warns_once_and_stays_offline(settings, monkeypatch):
    monkeypatch.setitem(sys.modules, "langchain_openai", None)  # as if not installed
    configured = load_settings(data_dir=settings.data_dir, llm="openai:gpt-4o-mini")
    with capture_logs() as logs:
        services = build_services(configured)
    assert isinstance(services.composer, OfflineComposer)
    assert services.intent_classifier is None
    warnings = [entry for entry in logs if entry["event"] == "llm_unavailable"]
    assert len(warnings) == 1
    assert "langchain-openai" in warnings[0]["reason"]
    assert "atelier-bot[openai]" in warnings[0]["reason"]


def test_an_unknown_provider_warns_and_stays_offline(settings):
    configured = load_settings(data_dir=settings.data_dir, llm="nosuchprovider:model-1")
    with capture_logs() as logs:
        services = build_services(configured)
    assert isinstance(services.composer, OfflineComposer)
    assert any(entry["event"] == "llm_unavailable" for entry in logs)


def test_a_configured_model_gets_the_llm_composer(settings, monkeypatch):
    asked: list[str] = []

    def fake_init_chat_model(spec: str, **kwargs):
        asked.append(spec)
        return scripted("ok")

    monkeypatch.setattr(langchain.chat_models, "init_chat_model", fake_init_chat_model)
    configured = load_settings(
        data_dir=settings.data_dir,
        llm="anthropic:claude-haiku",
        llm_timeout=3,
        llm_exclude_client_names=True,
    )
    services = build_services(configured)
    assert isinstance(services.composer, LLMComposer)
    assert services.composer.timeout == 3 and services.composer.exclude_client_names
    assert isinstance(services.intent_classifier, IntentClassifier)
    assert asked and set(asked) == {"anthropic:claude-haiku"}
