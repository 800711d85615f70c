"""The LLM composer's own cost: quoting, mention stripping and the grounding check.

A fake chat model that answers instantly stands in for the provider (a real one takes
hundreds of milliseconds, which would hide everything else). Both sides run the same langchain
chain on the same client-update draft, interleaved so they see the same machine noise:

- **bare chain** (the baseline): ``prompt | model | StrOutputParser()``;
- **composer**: ``LLMComposer.compose`` — the same chain plus tenant check, JSON quoting,
  mention stripping, the traceability check of every figure and the dropped-figure check.

The bare chain gets the prompt variables the composer sends (the facts as JSON, the quoted
draft), so the two differ only by the composer's own work. Wall-clock p50 on a shared machine
mostly measures the scheduler (the fake model and the parser hop through langchain's thread
pool on both sides), so the same comparison is also made in CPU time of the whole process,
which other jobs cannot inflate: blocks of calls, alternating, the mean per call of each side.

Targets (bench/README.md argues them): the composer's own work, composer minus bare chain in
CPU time, ≤ 5 ms per client update — under 2% of a real provider call of 300 ms or more; the
composer ≤ 3× the bare chain (p50 and CPU), which with an instant model is a chain of ~1.3 ms;
the grounding check alone ≤ 5 ms per message.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import time
from typing import Any

RATIO_TARGET = 3.0
OWN_WORK_TARGET_MS = 5.0

DRAFT = (
    "Hi Acme Bakery team,\n\nHere's where Bloom Studio storefront stands. In short: 3 items "
    "completed, 2 up next, 1 risk to watch.\n\n**Done**\n- Checkout with Stripe (6 h)\n"
    "- Product import, 1,240 products\n- Shipping rules for 12 regions\n\n**Next**\n"
    "- Product pages\n- Blog templates\n\n**Risks and blockers**\n- Waiting for product "
    "photos since 24 Nov 2026\n\n**Status**\n- Hours: 42.5 h of 120 h estimated (35%)\n"
    "- Budget: $4,250 of $12,000 used\n- Due: 20 Dec 2026 (in 19 days)\n\nThanks!"
)
FACTS: dict[str, Any] = {
    "project": "Bloom Studio storefront",
    "client": "Acme Bakery",
    "hours_used": 42.5,
    "estimate_hours": 120,
    "budget": 12000,
    "spent": 4250,
    "currency": "USD",
    "due_date": "2026-12-20",
    "entries": [
        {"kind": "done", "text": "Checkout with Stripe", "hours": 6},
        {"kind": "done", "text": "Product import, 1,240 products"},
        {"kind": "blocker", "text": "Waiting for product photos"},
    ],
}
ANSWER = DRAFT.replace("Here's where", "Here is a short update on where").replace(" h", " hours")


async def _measure(rounds: int) -> dict[str, float]:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.output_parsers import StrOutputParser

    from bot.compose import Composition
    from bot.grounding import check
    from bot.llm_composer import LLMComposer
    from language import rephrase_prompt, rephrase_variables

    model = GenericFakeChatModel(messages=itertools.repeat(ANSWER))
    bare = rephrase_prompt() | model | StrOutputParser()
    composer = LLMComposer(model)
    composition = Composition("client_update", "bench", DRAFT, FACTS)
    facts_json = json.dumps(FACTS, ensure_ascii=False, sort_keys=True, default=str)
    variables = rephrase_variables(
        kind="client_update", tone="friendly", facts_json=facts_json, draft=DRAFT
    )
    assert await composer.compose(composition) == ANSWER, "the bench answer must be grounded"

    bare_ms: list[float] = []
    composer_ms: list[float] = []
    for _ in range(rounds):
        begin = time.perf_counter()
        await bare.ainvoke(variables)
        bare_ms.append((time.perf_counter() - begin) * 1000)
        begin = time.perf_counter()
        await composer.compose(composition)
        composer_ms.append((time.perf_counter() - begin) * 1000)

    # CPU time: blocks of calls, alternating; the mean per call of each side's blocks.
    bare_cpu = composer_cpu = 0.0
    block = 20
    for _ in range(max(1, rounds // block)):
        begin = time.process_time()
        for _ in range(block):
            await bare.ainvoke(variables)
        bare_cpu += time.process_time() - begin
        begin = time.process_time()
        for _ in range(block):
            await composer.compose(composition)
        composer_cpu += time.process_time() - begin
    calls = block * max(1, rounds // block)

    check_ms: list[float] = []
    for _ in range(rounds):
        begin = time.perf_counter()
        check(ANSWER, FACTS, DRAFT)
        check_ms.append((time.perf_counter() - begin) * 1000)
    return {
        "bare_p50": statistics.median(bare_ms),
        "composer_p50": statistics.median(composer_ms),
        "check_p50": statistics.median(check_ms),
        "bare_cpu": bare_cpu / calls * 1000,
        "composer_cpu": composer_cpu / calls * 1000,
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    from bot.logs import configure_logging

    configure_logging(level="ERROR")  # one log line per call would measure the terminal
    found = asyncio.run(_measure(rounds=30 if quick else 300))
    return [
        {
            "name": "compose: LLM composer vs bare chain (p50, instant fake model)",
            "value": round(found["composer_p50"], 3),
            "unit": "ms",
            "baseline": round(found["bare_p50"], 3),
            "target": RATIO_TARGET,
        },
        {
            "name": "compose: LLM composer vs bare chain (CPU ms per call, whole process)",
            "value": round(found["composer_cpu"], 3),
            "unit": "ms",
            "baseline": round(found["bare_cpu"], 3),
            "target": RATIO_TARGET,
        },
        {
            "name": "compose: the composer's own work (composer − bare chain, CPU ms per call)",
            "value": round(found["composer_cpu"] - found["bare_cpu"], 3),
            "unit": "ms",
            "target": OWN_WORK_TARGET_MS,
            "target_on": "value",
        },
        {
            "name": "compose: grounding check per client update (p50)",
            "value": round(found["check_p50"], 3),
            "unit": "ms",
            "target": 5.0,
        },
    ]


if __name__ == "__main__":
    for row in run(quick=True):
        print(row)
