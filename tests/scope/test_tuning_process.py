"""A large history is tuned in a child process: the same engine, and no scikit-learn here."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from pathlib import Path

from bot.scoping.engine import MAX_ROUNDS, NEAREST, build_engine, past_items
from bot.scoping.tuning_process import searches, tune_apart
from estimating import History, Knobs, Query
from tests.knowledge.helpers import as_store
from tests.scope.test_band_calibration import PortfolioStore, Project

PARAMS = Knobs(k=5, min_similarity=0.2)
REPO = Path(__file__).resolve().parents[2]
WORDS = {"migration": 120.0, "landing": 12.0, "checkout": 60.0, "report": 25.0, "api": 45.0}


class WordyStore(PortfolioStore):
    """300 closed projects whose words say how long they took, and a search that knows
    nothing about words (random similarities): tuning has reason to weigh the words."""

    def __init__(self) -> None:
        super().__init__()
        rng = random.Random(11)
        self.projects["words"] = []
        for i in range(300):
            chosen = rng.sample(sorted(WORDS), 2)
            hours = sum(WORDS[w] for w in chosen) * math.exp(rng.gauss(0, 0.15))
            title = " ".join(chosen)
            self.projects["words"].append(Project(f"w-{i}", title, f"{title} job {i}", hours))

    def nearest(self, tenant: str, text: str, n: int = 32) -> list[tuple[str, float]]:
        ids = [p.id for p in self.projects.get(tenant, [])]
        rng = random.Random(text)
        return [(i, 0.3 + 0.4 * rng.random()) for i in ids[:n]]


QUERIES = ["migration api", "landing report", "checkout landing", "a brief of new words"]


def _estimates(engine, store: WordyStore) -> list[tuple[float, float, float]]:
    out = []
    for text in QUERIES:
        query = Query(text, semantic=dict(store.nearest("words", text, NEAREST)))
        found = engine.estimate(query)
        out.append((found.p10, found.p50, found.p90))
    return out


def test_tuned_apart_is_the_engine_tuned_here() -> None:
    store = WordyStore()
    closed = store.list("words")
    here, tuned_here = build_engine(closed, PARAMS, as_store(store), "words")
    history = History(past_items(closed))
    found = searches(as_store(store), "words", history, MAX_ROUNDS, NEAREST)
    apart, tuned_apart = tune_apart(history, PARAMS, found, MAX_ROUNDS)
    assert here is not None
    assert tuned_apart.knobs == tuned_here.knobs
    # The words matter here, so the engine reads the index and the regression fitted apart.
    assert tuned_apart.knobs.lexical_weight > 0 or tuned_apart.knobs.regression_share > 0
    assert apart._lexical is not None
    assert tuned_apart.bands == tuned_here.bands
    assert _estimates(apart, store) == _estimates(here, store)


SERVE = """
import json, sys
from bot.scoping import calibration
from bot.scoping.calibration import TenantBands
from bot.scoping.history import tenant_history
from tests.knowledge.helpers import as_store
from tests.scope.test_tuning_process import PARAMS, WordyStore, _estimates

calibration.BACKGROUND_FROM = 100
store = as_store(WordyStore())
bands = TenantBands(apart=sys.argv[1] == "apart")
past = tenant_history(store, "words")
first = bands.get(store, "words", past, PARAMS)  # the untuned engine; tuning starts
assert bands.wait_for_tuning("words", timeout=240)
tuned = bands.get(store, "words", past, PARAMS)
print(json.dumps({
    "calibrated": tuned.projects,
    "estimates": _estimates(tuned.engine, store),
    "sklearn": sorted(m for m in sys.modules if m.split(".")[0] == "sklearn"),
}))
"""


def _serve(mode: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SERVE, mode],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(result.stdout.splitlines()[-1])


def test_a_serving_process_tunes_in_the_background_without_importing_scikit_learn() -> None:
    apart, here = _serve("apart"), _serve("here")
    assert apart["calibrated"] == here["calibrated"] > 0
    assert apart["estimates"] == here["estimates"]
    assert apart["sklearn"] == []
    assert here["sklearn"] != []  # the probe sees scikit-learn when it is imported here


def test_the_setting_keeps_the_tuning_in_the_bot(tmp_path: Path) -> None:
    from adapters.runtime import build_services
    from bot.config import load_settings

    on = build_services(load_settings(data_dir=tmp_path / "on", _env_file=None))
    off = build_services(
        load_settings(data_dir=tmp_path / "off", tuning_in_child=False, _env_file=None)
    )
    assert on.bands.apart and not off.bands.apart


def test_without_a_child_process_the_tuning_runs_here(monkeypatch, caplog) -> None:
    from bot.scoping import tuning_process

    store = WordyStore()
    history = History(past_items(store.list("words")))
    found = searches(as_store(store), "words", history, MAX_ROUNDS, NEAREST)
    expected, _ = tune_apart(history, PARAMS, found, MAX_ROUNDS)

    def no_processes(*args: object, **kwargs: object) -> None:
        raise OSError("no processes here")  # as where starting a process is not allowed

    monkeypatch.setattr(tuning_process.subprocess, "Popen", no_processes)
    here, _ = tune_apart(history, PARAMS, found, MAX_ROUNDS)
    assert "tuning here" in caplog.text
    assert _estimates(here, store) == _estimates(expected, store)


def test_a_tuning_process_that_cannot_run_its_module_is_replaced_by_tuning_here(
    monkeypatch, caplog
) -> None:
    from bot.scoping import tuning_process

    store = WordyStore()
    history = History(past_items(store.list("words")))
    found = searches(as_store(store), "words", history, MAX_ROUNDS, NEAREST)
    expected, _ = tune_apart(history, PARAMS, found, MAX_ROUNDS)
    # As where the child's interpreter cannot import the package (status 1, no answer).
    monkeypatch.setattr(tuning_process, "CHILD_MODULE", "estimating.no_such_module")
    here, _ = tune_apart(history, PARAMS, found, MAX_ROUNDS)
    assert "tuning here" in caplog.text
    assert _estimates(here, store) == _estimates(expected, store)


STOP_WHILE_TUNING = """
import sys, threading, time
from bot.scoping.engine import MAX_ROUNDS, NEAREST, past_items
from bot.scoping.tuning_process import running_children, searches, stop_children, tune_apart
from estimating import History
from tests.knowledge.helpers import as_store
from tests.scope.test_tuning_process import PARAMS, WordyStore

store = WordyStore()
history = History(past_items(store.list("words")))
found = searches(as_store(store), "words", history, MAX_ROUNDS, NEAREST)
outcome = []

def tune():
    try:
        tune_apart(history, PARAMS, found, MAX_ROUNDS)
        outcome.append("finished")
    except Exception as problem:
        outcome.append(str(problem))

worker = threading.Thread(target=tune, daemon=True)
worker.start()
while not running_children():
    time.sleep(0.01)
child = running_children()[0]
stop_children()  # what the bot's close does, while its tuning child runs
worker.join(60)
print(outcome[0], flush=True)
print(child, flush=True)
sys.exit(0)
"""


def test_a_bot_that_stops_ends_its_tuning_child() -> None:
    import os
    import time

    result = subprocess.run(
        [sys.executable, "-c", STOP_WHILE_TUNING],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    said, pid_line = result.stdout.strip().splitlines()[-2:]
    assert "status -15" in said, said  # ended by the stop (SIGTERM), not finished on its own
    pid = int(pid_line)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"the tuning child {pid} outlived the bot")


def test_the_tuning_process_answers_a_failure_by_its_name() -> None:
    import pickle

    from estimating.apart import Job

    job = Job(items=[], params=PARAMS, found={}, rounds=MAX_ROUNDS)  # nothing to fit
    result = subprocess.run(
        [sys.executable, "-m", "estimating.apart"],
        input=pickle.dumps(job),
        capture_output=True,
        check=True,
        timeout=120,
        cwd=REPO,
    )
    assert pickle.loads(result.stdout) == ("failed", "ValueError")


def test_a_killed_tuning_child_is_not_redone_in_the_bot(caplog) -> None:
    import os
    import signal
    import threading
    import time

    from bot.scoping.tuning_process import running_children

    store = WordyStore()
    history = History(past_items(store.list("words")))
    found = searches(as_store(store), "words", history, MAX_ROUNDS, NEAREST)
    outcome: list[BaseException | None] = []

    def tune() -> None:
        try:
            tune_apart(history, PARAMS, found, MAX_ROUNDS)
            outcome.append(None)
        except Exception as problem:
            outcome.append(problem)

    worker = threading.Thread(target=tune)
    worker.start()
    deadline = time.monotonic() + 60
    while not running_children() and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(running_children()[0], signal.SIGKILL)  # as the system's memory killer would
    worker.join(120)
    assert len(outcome) == 1 and isinstance(outcome[0], RuntimeError)
    assert "tuning here" not in caplog.text  # the same fit is not loaded into the bot
