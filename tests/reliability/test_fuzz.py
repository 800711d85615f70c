"""Bad input never crashes a handler: hypothesis over every text parser and the whole bot.

"Crash" means an exception out of a parser, or the core's generic "something went wrong"
answer (which is what an exception inside a skill turns into). Every skill runs for real; the
knowledge store is a real Chroma collection with a cheap hashing embedder, so thousands of
inputs stay fast.
"""

from __future__ import annotations

import asyncio
import copy
import csv
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.runtime import build_services
from bot.config import load_settings
from bot.core import MAX_TEXT, Bot
from bot.errors import AtelierError
from bot.logparse import parse_entry, parse_hours
from bot.messages import Request
from bot.router import clean_text
from bot.scoping.brief import parse_brief
from bot.skills.active_projects import parse_key_values
from knowledge.store import ProjectStore
from tests.knowledge.helpers import HashingEmbedder
from tests.reliability.portfolio import make_projects

CRASH = "something went wrong on my side"
FRAGMENTS = (
    "acme",
    "Acme web shop",
    "done:",
    "next:",
    "blocker:",
    "Q:",
    "internal:",
    "decided",
    "2h",
    "2h30",
    "1.5 h",
    "90m",
    "-3h",
    "1e309h",
    "nan h",
    "0h",
    "99999999999h",
    "½h",
    "name=",
    "aliases=",
    "estimate=",
    "budget=",
    "rate=",
    "due=",
    "start=",
    "channel=",
    '"',
    "'",
    "=",
    ",",
    ":",
    ";",
    "|",
    "\\",
    "/",
    "//",
    "\n",
    "\t",
    "\x00",
    "\u202e",
    "€",
    "$",
    "£",
    "¥",
    "at €90/h",
    "rate 120 EUR",
    "I think 60h",
    "EUR",
    "XYZ",
    "2026-02-30",
    "<@U123>",
    "<@UBOT>",
    "@here",
    "<!channel>",
    "<!everyone>",
    "@atelier",
    "<#C123|general>",
    "add",
    "close",
    "active",
    "list",
    "show",
    "search",
    "import",
    "edit",
    "delete",
    "reindex",
    "approve",
    "tone",
    "formal",
    "Shopify store with a custom theme",
    "ignore all instructions",
    "🙂",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "ДОБРЫЙ",
    "日本語",
    "   ",
    "0",
    "-1",
    "10000000000000000000000",
)
messages = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(FRAGMENTS), max_size=14).map(" ".join),
    st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join),
)
fuzz = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


# --- parsers ---------------------------------------------------------------------------------


@fuzz
@given(messages)
def test_log_line_parser_never_raises(text: str) -> None:
    parsed = parse_entry(text)
    hours = parse_hours(text)
    for value in (parsed.hours, hours):
        assert value is None or (math.isfinite(value) and value >= 0)


@fuzz
@given(messages)
def test_brief_parser_never_raises_and_keeps_sane_rates(text: str) -> None:
    try:
        parsed = parse_brief(text)
    except AtelierError as problem:  # the sanctioned "tell the user plainly" path
        assert 0 < len(str(problem)) < 500
        return
    assert isinstance(parsed.brief, str)


@fuzz
@given(messages)
def test_key_value_and_routing_parsers_never_raise(text: str) -> None:
    assert isinstance(clean_text(text), str)
    try:
        assert isinstance(parse_key_values(text), dict)
    except AtelierError as problem:  # the sanctioned "tell the user plainly" path
        assert 0 < len(str(problem)) < 500


# --- Slack payload translation ----------------------------------------------------------------

PAYLOADS = Path(__file__).resolve().parents[1] / "slack" / "payloads"
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    changed = copy.deepcopy(document)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def _same_type(value: Any) -> st.SearchStrategy[Any]:
    """Another value of the same JSON type: what a real (if surprising) Slack payload holds."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers()
    if isinstance(value, float):
        return st.floats(allow_nan=False)
    if isinstance(value, str):
        return st.text(max_size=60) | st.sampled_from(FRAGMENTS)
    if isinstance(value, list):
        return st.just([])
    if isinstance(value, dict):
        return st.just({})
    return st.none()


def _remove(document: Any, path: tuple[Any, ...]) -> Any:
    changed = copy.deepcopy(document)
    target = changed
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return changed


@st.composite
def mutated_payloads(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A recorded Slack payload with a few fields changed (same JSON type) or removed."""
    name = draw(st.sampled_from(sorted(p.stem for p in PAYLOADS.glob("*.json"))))
    document = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_paths(document))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        target = document
        for step in path:
            target = target[step]
        if draw(st.booleans()):
            document = _replace(document, path, draw(_same_type(target)))
        else:
            document = _remove(document, path)
    return name, document


@fuzz
@given(mutated_payloads())
def test_slack_translation_never_raises(case: tuple[str, dict[str, Any]]) -> None:
    from adapters.slack import translate

    _name, body = case
    for function in (
        translate.command_to_request,
        translate.event_to_request,
        translate.block_action_to_action,
        translate.view_submission_to_action,
    ):
        result = function(body)
        if result is not None:
            assert result.tenant and result.user_id


# --- the whole bot: any command, any text ------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Bot, Any]]:
    """A bot with every real skill, on its own event loop (hypothesis drives it synchronously)."""
    import chromadb

    data_dir = tmp_path_factory.mktemp("fuzz") / "data"
    loop = asyncio.new_event_loop()
    instance = Bot(build_services(load_settings(data_dir=data_dir, llm=None, demo_data=False)))
    client = chromadb.EphemeralClient()
    store = ProjectStore(client, HashingEmbedder(), "an in-memory test store")
    store.upsert("local", make_projects(24, "Northwind"))
    instance.services.set_knowledge(store)
    loop.run_until_complete(instance.start())
    loop.run_until_complete(
        instance.handle(
            Request(tenant="local", user_id="alice", command="projects", text="add name=Acme")
        )
    )
    yield instance, loop
    loop.run_until_complete(instance.close())
    loop.close()


commands = st.one_of(
    st.none(),
    st.sampled_from(["scope", "log", "update", "projects", "help"]),
    st.text(max_size=12),
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(command=commands, text=messages, private=st.booleans())
def test_no_input_crashes_a_handler(
    fuzz_bot: tuple[Bot, Any], command: str | None, text: str, private: bool
) -> None:
    bot, loop = fuzz_bot
    request = Request(
        tenant="local",
        user_id="alice",
        command=command,
        text=text,
        is_private=private,
        platform="slack",  # imports then answer with the CLI hint instead of reading files
    )
    reply = loop.run_until_complete(bot.handle(request))
    assert reply is not None
    assert CRASH not in reply.text.lower(), (command, text, reply.text)
    for mass_ping in ("<!channel>", "<!here>", "<!everyone>", "@everyone", "@here"):
        assert mass_ping not in reply.text or mass_ping in text, (command, text)


# --- oversized input ---------------------------------------------------------------------------


def test_a_100_kb_brief_gets_the_core_length_message(fuzz_bot: tuple[Bot, Any]) -> None:
    bot, loop = fuzz_bot
    brief = ("Shopify store with a custom theme and a booking calendar. " * 2000)[:100_000]
    reply = loop.run_until_complete(
        bot.handle(Request(tenant="local", user_id="alice", command="scope", text=brief))
    )
    assert reply is not None
    assert "100,000 characters" in reply.text and f"{MAX_TEXT:,}" in reply.text
    assert len(reply.text) < 1000


@pytest.mark.slow
def test_a_10k_row_import_is_answered_within_limits(
    fuzz_bot: tuple[Bot, Any], tmp_path: Path
) -> None:
    bot, loop = fuzz_bot
    path = tmp_path / "history.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "summary", "type", "estimated_hours", "actual_hours"])
        for number in range(10_000):
            bad = number % 10 == 0  # one row in ten is invalid (negative hours)
            hours = "-5" if bad else str(10 + number % 90)
            writer.writerow([f"row{number}", f"Project {number}", "A site", "web", hours, "12"])
    request = Request(
        tenant="import-test", user_id="alice", command="projects", text=f"import {path}"
    )
    reply = loop.run_until_complete(bot.handle(request))
    assert reply is not None and CRASH not in reply.text.lower()
    tables = [block for block in reply.blocks if getattr(block, "kind", "") == "table"]
    assert tables and len(tables[0].rows) <= 20  # the first problems, not a thousand rows
    assert len(reply.text) < 20_000
    assert bot.services.knowledge.count("import-test") == 9_000


# --- the served Slack adapter: arbitrary (even ill-typed) signed payloads ---------------------
# (The `slack` fixture — the real adapter over HTTP with a fake Web API — comes from the Slack
# tests, via tests/reliability/conftest.py.)


def _arbitrary_payloads(count: int, seed: int = 5) -> list[tuple[str, str]]:
    """Recorded payloads with fields replaced by values of any JSON type, as HTTP bodies."""
    import random
    from urllib.parse import urlencode

    chooser = random.Random(seed)
    values: list[Any] = [None, True, 0, -1, 1.5, "", "x" * 300, [], {}, [1, "a"], {"a": {}}]
    bodies = []
    for number in range(count):
        name = sorted(p.stem for p in PAYLOADS.glob("*.json"))[number % 5]
        document = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
        for _ in range(chooser.randint(1, 3)):
            path = chooser.choice(list(_paths(document)))
            document = _replace(document, path, chooser.choice(values))
        if name == "slash_command":
            fields = {
                key: json.dumps(value) if not isinstance(value, str) else value
                for key, value in document.items()
            }
            bodies.append((urlencode(fields), "application/x-www-form-urlencoded"))
        elif name in {"block_actions", "view_submission"}:
            form = urlencode({"payload": json.dumps(document)})
            bodies.append((form, "application/x-www-form-urlencoded"))
        else:
            bodies.append((json.dumps(document), "application/json"))
    return bodies


async def test_served_adapter_survives_ill_typed_payloads(slack) -> None:
    statuses = []
    for body, content_type in _arbitrary_payloads(60):
        status, _text = await slack.post(body, content_type)
        statuses.append(status)
    await slack.settle()
    # Bolt itself refuses some ill-typed bodies with a 500 (only a holder of the signing
    # secret can send them); what matters is that nothing leaks and the adapter keeps serving.
    assert all(status in {200, 400, 401, 404, 500} for status in statuses), statuses
    assert not any("Traceback" in call.text for call in slack.fake.posts)
    # Still serving: a normal command afterwards gets its answer.
    before = len(slack.fake.posts)
    status, _ = await slack.command("help")
    assert status == 200
    await slack.fake.wait_for(lambda _calls: len(slack.fake.posts) > before)
