"""The scale benchmark keeps its 1,000-workspace store between runs, as it keeps its large ones:
built once (a server started on the directory, the build step run against it), then reused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import scale


class Server:
    def __init__(self) -> None:
        self.stopped = False

    def terminate(self) -> None:
        self.stopped = True

    def wait(self, timeout: float) -> int:
        return 0


def test_the_many_workspace_store_is_built_once_then_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BENCH_SCALE_CACHE", str(tmp_path))
    started: list[Path] = []
    steps: list[tuple[str, ...]] = []
    servers: list[Server] = []

    def start(path: Path) -> tuple[Server, str]:
        started.append(path)
        servers.append(Server())
        return servers[-1], "http://127.0.0.1:1"

    def child(*arguments: str) -> dict[str, Any]:
        steps.append(arguments)
        Path(arguments[3]).mkdir(parents=True)  # what the build step leaves behind
        return {}

    monkeypatch.setattr(scale, "_start_chroma", start)
    monkeypatch.setattr(scale, "_child", child)
    chroma, data = scale._built_many(7)
    assert chroma.parent == data.parent == tmp_path / f"v{scale.BUILD_VERSION}-many-7"
    assert started == [chroma] and servers[0].stopped
    assert steps == [("build-many", "http://127.0.0.1:1", "7", str(data))]
    assert scale._built_many(7) == (chroma, data)  # kept: no server, no build
    assert len(started) == 1 and len(steps) == 1


def test_a_failed_build_is_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_SCALE_CACHE", str(tmp_path))
    servers: list[Server] = []

    def start(path: Path) -> tuple[Server, str]:
        servers.append(Server())
        return servers[-1], "http://127.0.0.1:1"

    def failing(*arguments: str) -> dict[str, Any]:
        raise RuntimeError("the build step failed")

    monkeypatch.setattr(scale, "_start_chroma", start)
    monkeypatch.setattr(scale, "_child", failing)
    with pytest.raises(RuntimeError):
        scale._built_many(3)
    assert servers[0].stopped
    assert not (tmp_path / f"v{scale.BUILD_VERSION}-many-3" / "built").exists()
