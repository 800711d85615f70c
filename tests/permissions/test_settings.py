"""The allowlist settings read from the environment: comma-separated ids, checked at start-up."""

from __future__ import annotations

import pytest

from bot.config import Settings, SettingsError, load_settings


def test_ids_are_read_comma_or_space_separated(settings: Settings, monkeypatch) -> None:
    monkeypatch.setenv("ATELIER_SLACK_ALLOWED_USERS", "U012AB3CD, U045EF6GH U012AB3CD")
    monkeypatch.setenv("ATELIER_SLACK_ALLOWED_GROUPS", "S0614TZR7")
    monkeypatch.setenv("ATELIER_DISCORD_ROLES", "123456789012345678,223456789012345678")
    monkeypatch.setenv("ATELIER_DISCORD_CLIENT_ROLES", "")
    monkeypatch.setenv("ATELIER_ACCESS_CACHE_SECONDS", "60")
    loaded = load_settings()
    assert loaded.slack_allowed_users == ("U012AB3CD", "U045EF6GH")
    assert loaded.slack_allowed_groups == ("S0614TZR7",)
    assert loaded.discord_roles == ("123456789012345678", "223456789012345678")
    assert loaded.discord_client_roles == ()
    assert loaded.access_cache_seconds == 60


def test_by_default_nobody_is_listed_and_answers_are_cached_five_minutes(
    settings: Settings,
) -> None:
    assert settings.slack_allowed_users == settings.slack_allowed_groups == ()
    assert settings.discord_roles == settings.discord_client_roles == ()
    assert settings.access_cache_seconds == 300


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ATELIER_SLACK_ALLOWED_USERS", "alice"),
        ("ATELIER_SLACK_ALLOWED_GROUPS", "U012AB3CD"),  # a user id where a group belongs
        ("ATELIER_DISCORD_ROLES", "Studio"),  # a role name, not its id
        ("ATELIER_DISCORD_CLIENT_ROLES", '["123456789012345678"]'),
    ],
)
def test_a_malformed_id_stops_start_up_naming_the_variable(
    settings: Settings, monkeypatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(f"setting {variable}:") and "separated by commas" in message
