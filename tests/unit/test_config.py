import pytest

from bot.config import SettingsError, load_settings


def test_defaults(settings):
    assert settings.rate == 100
    assert settings.sqlalchemy_url.startswith("sqlite+aiosqlite:///")
    assert not settings.slack_enabled and not settings.discord_enabled


def test_platform_secrets_use_their_usual_names(settings, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret-value")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "shh")
    loaded = load_settings()
    assert loaded.slack_enabled
    assert "xoxb-secret-value" not in repr(loaded)
    assert loaded.slack_bot_token is not None
    assert loaded.slack_bot_token.get_secret_value() == "xoxb-secret-value"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("ATELIER_PORT", "not-a-port", "ATELIER_PORT"),
        ("ATELIER_RATE", "-5", "ATELIER_RATE"),
        ("ATELIER_CURRENCY", "dollars", "ATELIER_CURRENCY"),
        ("ATELIER_CURRENCY", "ABC", "ATELIER_CURRENCY"),  # three letters, but no ISO 4217 code
        ("ATELIER_CURRENCY", "DEM", "ATELIER_CURRENCY"),  # retired
        ("ATELIER_LOG_LEVEL", "loud", "ATELIER_LOG_LEVEL"),
    ],
)
def test_a_bad_setting_names_itself(settings, monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"setting {expected}:")
    assert "\n" not in message


def test_dotenv_is_read(settings, tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("ATELIER_RATE=85\nDISCORD_TOKEN=abc.def.ghi\n")
    loaded = load_settings()
    assert loaded.rate == 85
    assert loaded.discord_enabled
