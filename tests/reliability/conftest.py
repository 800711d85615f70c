"""Real servers on loopback for the scale-out tests: PostgreSQL and a Chroma server.

Both start from what is installed on the machine (Debian's ``postgresql`` package; the
``chroma`` command that ships with chromadb) and are stopped at the end. When one cannot start,
the tests that need it are skipped with the reason; the SQLite/embedded variants still run.
``ATELIER_TEST_POSTGRES_URL`` (a ``postgresql+psycopg://`` URL to a server where the user may
create databases) uses an existing server instead of starting one.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# The Slack adapter's fixtures (a fake Web API on loopback, the adapter served over HTTP).
from tests.slack.conftest import fake_slack, slack, slack_bot, slack_settings  # noqa: F401

# Loopback servers start in about a second; these bounds only stop a broken start from hanging.
START_TIMEOUT_SECONDS = 60
# Trust on loopback only (listen_addresses below); no fsync: a throwaway test cluster.
INITDB_OPTIONS = (
    "--auth=trust",
    "--username=atelier",
    "-E",
    "UTF8",
    "--no-sync",
    "--no-instructions",
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- PostgreSQL -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PostgresServer:
    """A running server: ``url(database)`` gives a SQLAlchemy async URL."""

    host: str
    port: int
    user: str
    password: str = ""

    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        auth = f"{self.user}:{self.password}" if self.password else self.user
        return f"{driver}://{auth}@{self.host}:{self.port}/{database}"

    def conninfo(self, database: str = "postgres") -> str:
        return self.url(database, driver="postgresql")


def _postgres_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _as_server_user(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the package's `postgres` user."""
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("running as root and `runuser` is missing")
    return [runuser, "-u", "postgres", "--", *command]


class LocalPostgres:
    """A throwaway cluster in /tmp on a free loopback port; fault tests stop and restart it."""

    def __init__(self) -> None:
        initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        self.pg_ctl = pg_ctl
        # Under /tmp rather than pytest's tmp dir: the server user must be able to reach it.
        self.root = Path(tempfile.mkdtemp(prefix="atelier-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")
        self.data, self.log = self.root / "data", self.root / "server.log"
        self.port = free_port()
        self._run([initdb, "-D", str(self.data), *INITDB_OPTIONS])

    @property
    def server(self) -> PostgresServer:
        return PostgresServer("127.0.0.1", self.port, "atelier")

    def _run(self, command: list[str]) -> None:
        try:
            subprocess.run(
                _as_server_user(command),
                check=True,
                capture_output=True,
                timeout=START_TIMEOUT_SECONDS,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as problem:
            detail = getattr(problem, "stderr", b"") or b""
            if self.log.exists():
                detail += self.log.read_bytes()[-300:]
            message = detail.decode(errors="replace").strip()[-300:]
            raise RuntimeError(f"{problem}: {message}") from None

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -F"
        self._run(
            [self.pg_ctl, "start", "-w", "-D", str(self.data), "-l", str(self.log), "-o", options]
        )

    def stop(self) -> None:
        self._run([self.pg_ctl, "stop", "-w", "-m", "immediate", "-D", str(self.data)])

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def _started_postgres() -> Iterator[PostgresServer]:
    cluster = LocalPostgres()
    try:
        cluster.start()
        yield cluster.server
    finally:
        cluster.remove()


def _existing_postgres(url: str) -> PostgresServer:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    host, port = parsed.host or "127.0.0.1", parsed.port or 5432
    return PostgresServer(host, port, parsed.username or "", parsed.password or "")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'atelier-bot[postgres]')")
    existing = os.environ.get("ATELIER_TEST_POSTGRES_URL")
    if existing:
        yield _existing_postgres(existing)
        return
    try:
        with _started_postgres() as server:
            yield server
    except RuntimeError as problem:
        pytest.skip(f"no PostgreSQL server for the tests: {problem}")


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the test server (dropped afterwards)."""
    import psycopg

    name = f"atelier_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server.conninfo(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield postgres_server.url(name)
    with psycopg.connect(postgres_server.conninfo(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Chroma server --------------------------------------------------------------------------


@dataclass
class ChromaServer:
    host: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def heartbeat(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_chroma(path: Path) -> ChromaServer:
    """Start `chroma run` on a free loopback port and wait for its heartbeat."""
    chroma = Path(sys.executable).with_name("chroma")
    if not chroma.exists():
        raise RuntimeError("the `chroma` command is not installed next to this Python")
    port = free_port()
    log = open(path.parent / f"chroma-{port}.log", "wb")  # noqa: SIM115 - lives with the process
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    log.close()
    server = ChromaServer("127.0.0.1", port, process)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    # Polling a heartbeat is waiting for a real condition, not sleeping to synchronise.
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if server.heartbeat():
            return server
        time.sleep(0.2)
    server.stop()
    tail = (path.parent / f"chroma-{port}.log").read_text(errors="replace")[-300:]
    raise RuntimeError(f"`chroma run` did not become ready: {tail.strip()}")


def chroma_or_skip(path: Path) -> Iterator[ChromaServer]:
    """The body of a fixture: a server on ``path`` (the test is skipped where `chroma run`
    cannot start), stopped afterwards."""
    try:
        server = start_chroma(path)
    except RuntimeError as problem:
        pytest.skip(f"`chroma run` could not start here: {problem}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """A `chroma run` server on loopback for the whole session (tenants keep tests apart)."""
    yield from chroma_or_skip(tmp_path_factory.mktemp("chroma-server") / "data")
