"""The history's refreshes run on one daemon worker: no caller waits for a thread to start, and
a process that exits does not wait for a refresh (one blocked on an unreachable server)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bot.scoping.history import HistoryCache

REPO = Path(__file__).resolve().parents[2]


def test_jobs_run_in_order_on_one_thread_and_report_their_failures() -> None:
    cache = HistoryCache()
    ran: list[tuple[int, str]] = []

    def job(number: int) -> Callable[[], None]:
        def run() -> None:
            ran.append((number, threading.current_thread().name))

        return run

    def fails() -> None:
        raise RuntimeError("unreachable")

    done = [cache._refresher.submit(job(n)) for n in range(5)]
    failed = cache._refresher.submit(fails)
    for future in done:
        future.result(timeout=10)
    assert [n for n, _ in ran] == [0, 1, 2, 3, 4]
    assert {name for _, name in ran} == {"atelier-history-refresh"}
    assert isinstance(failed.exception(timeout=10), RuntimeError)


def test_a_process_does_not_wait_for_a_refresh_to_exit() -> None:
    script = (
        "import time\n"
        "from bot.scoping.history import HistoryCache\n"
        "cache = HistoryCache()\n"
        "cache._refresher.submit(lambda: time.sleep(60))\n"
        "time.sleep(0.2)\n"
        "print('leaving', flush=True)\n"
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=50
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "leaving"
    assert time.monotonic() - started < 30
