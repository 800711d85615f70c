import json
import logging

from bot.logs import configure_logging, get_logger, register_secret


def test_secrets_never_reach_the_log(capsys):
    configure_logging(json_output=True, level="INFO")
    register_secret("my-very-private-signing-secret")
    log = get_logger("test")
    log.info(
        "connecting", token="xoxb-1234567890-abcdefghij", note="with my-very-private-signing-secret"
    )
    logging.getLogger("slack_bolt").warning("token xapp-1-A0B1C2D3E4-abc in a foreign log line")
    err = capsys.readouterr().err
    assert "xoxb-1234567890" not in err
    assert "my-very-private-signing-secret" not in err
    assert "xapp-1-A0B1C2D3E4" not in err
    lines = [json.loads(line) for line in err.strip().splitlines()]
    assert lines[0]["event"] == "connecting" and lines[0]["token"] == "***"


def test_settings_repr_hides_tokens(settings, monkeypatch):
    from bot.config import load_settings

    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.secret.token-value")
    loaded = load_settings()
    assert "secret.token-value" not in repr(loaded)
    assert "secret.token-value" not in str(loaded.model_dump())
