"""The background tuning yields the CPU to answers where the system lets it, relative to the
bot's own niceness, and degrades quietly elsewhere (other systems, containers that refuse)."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable

import pytest

from bot.scoping import calibration

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux threads")


def _in_a_thread(work: Callable[[], None]) -> tuple[int, int]:
    """(niceness before, after) ``work`` in a fresh thread (a thread's niceness is its own)."""
    seen: list[int] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            thread = threading.get_native_id()
            seen.append(os.getpriority(os.PRIO_PROCESS, thread))
            work()
            seen.append(os.getpriority(os.PRIO_PROCESS, thread))
        except BaseException as problem:  # reported below
            failures.append(problem)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert failures == []
    return seen[0], seen[1]


@linux_only
def test_the_tuning_thread_runs_nicer_than_the_answers() -> None:
    before, after = _in_a_thread(calibration._yield_to_answers)
    assert after == min(calibration.MAX_NICE, before + calibration.BACKGROUND_NICE)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before  # only that one


@linux_only
def test_a_bot_started_nice_keeps_its_tuning_below_its_answers() -> None:
    def started_under_nice_15() -> None:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, 15)  # raising one's niceness is always allowed
        calibration._yield_to_answers()

    _, after = _in_a_thread(started_under_nice_15)
    assert after == calibration.MAX_NICE  # not back up to 10 (root may lower niceness)


def test_elsewhere_nothing_is_asked_of_the_system(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> None:
        raise AssertionError("setpriority called off Linux")

    monkeypatch.setattr(calibration.sys, "platform", "darwin")
    monkeypatch.setattr(calibration.os, "setpriority", refuse, raising=False)
    calibration._yield_to_answers()


@pytest.mark.parametrize("problem", [PermissionError(1, "not permitted"), OSError(3, "no such")])
def test_a_system_that_refuses_is_ignored(
    monkeypatch: pytest.MonkeyPatch, problem: OSError
) -> None:
    def refuse(*_args: object) -> None:
        raise problem

    monkeypatch.setattr(calibration.sys, "platform", "linux")
    monkeypatch.setattr(calibration.os, "setpriority", refuse, raising=False)
    calibration._yield_to_answers()  # a container without the right: quietly nothing


def test_a_python_without_priorities_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calibration.sys, "platform", "linux")
    monkeypatch.delattr(calibration.os, "getpriority", raising=False)
    monkeypatch.delattr(calibration.os, "setpriority", raising=False)
    calibration._yield_to_answers()
