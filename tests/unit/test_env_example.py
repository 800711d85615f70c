"""`.env.example` names every setting, and its example values are what the settings accept."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bot.config import Settings, env_name, load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"
NOT_FOR_USERS = {"slack_oauth_authorize_url"}  # a loopback fake's address, for tests only
# `# NAME=value   # comment`: the value is what the line would set once uncommented.
LINE = re.compile(r"^# ((?:ATELIER|SLACK|DISCORD)_[A-Z_]+)=(.*?)(?:\s{2,}#.*)?$")


def _examples() -> dict[str, str]:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    return {m[1]: m[2].strip() for line in lines if (m := LINE.match(line))}


def test_every_setting_is_in_the_example() -> None:
    named = set(_examples())
    missing = [
        env_name(field)
        for field in Settings.model_fields
        if field not in NOT_FOR_USERS and env_name(field) not in named
    ]
    assert missing == []


def test_the_proposal_and_capacity_examples_are_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith(("ATELIER_", "SLACK_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # the settings read `.env` from here
    examples = {
        name: value
        for name, value in _examples().items()
        if name.startswith(("ATELIER_PROPOSAL_", "ATELIER_CAPACITY_"))
    }
    assert len(examples) == 5
    (tmp_path / ".env").write_text(
        "".join(f"{name}={value}\n" for name, value in examples.items()), encoding="utf-8"
    )
    from_example = load_settings()
    defaults = Settings.model_construct()
    fields = [field for field in Settings.model_fields if env_name(field) in examples]
    assert set(fields) <= from_example.model_fields_set  # read from the file, not defaulted
    for field in fields:
        assert getattr(from_example, field) == getattr(defaults, field), field
