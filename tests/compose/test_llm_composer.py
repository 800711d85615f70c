"""The LLM composer with langchain's fake chat models: grounded answers pass, anything else
falls back to the offline draft."""

from __future__ import annotations

import dataclasses

import pytest
from langchain_core.messages import AIMessage
from structlog.testing import capture_logs

from bot.compose import Composition, OfflineComposer
from bot.llm_composer import LLMComposer
from tests.compose.conftest import DRAFT
from tests.compose.fakes import (
    FailingModel,
    HangingModel,
    RecordingModel,
    ToolCallingModel,
    quoted_block,
    scripted,
    tool_answer,
)

GROUNDED = (
    "Hello Acme Bakery team! Quick news on the Bloom Studio storefront: checkout is done and "
    "the product pages are next. We have used 42.5 of the 120 budgeted hours ($4.25k of "
    "$12k) and are on track for March 15, 2026."
)


async def test_offline_composer_returns_the_draft_unchanged(update):
    assert await OfflineComposer().compose(update) == DRAFT


async def test_a_grounded_answer_is_used(update):
    composer = LLMComposer(scripted(GROUNDED))
    assert await composer.compose(update) == GROUNDED


async def test_structured_output_is_used_when_the_provider_supports_it(update):
    model = ToolCallingModel(messages=iter([tool_answer("ComposedText", text=GROUNDED)]))
    composer = LLMComposer(model)
    with capture_logs() as logs:
        assert await composer.compose(update) == GROUNDED
    usage = next(entry for entry in logs if entry["event"] == "llm_usage")
    assert (usage["input_tokens"], usage["output_tokens"], usage["calls"]) == (120, 30, 1)
    assert usage["kind"] == "client_update" and usage["tenant"] == "T1"


async def test_a_failing_structured_call_is_retried_as_plain_text(update):
    # A model that declares tool calling but answers in prose: the parser finds no schema.
    model = ToolCallingModel(messages=iter([AIMessage(content=GROUNDED), GROUNDED, GROUNDED]))
    composer = LLMComposer(model)
    assert len(composer.chain.chains) == 2
    assert await composer.compose(update) == GROUNDED
    assert len(composer.chain.chains) == 1  # the structured call is not paid for again
    assert await composer.compose(update) == GROUNDED


@pytest.mark.parametrize(
    ("answer", "what"),
    [
        (GROUNDED.replace("42.5 of", "45 of"), "number '45'"),
        (GROUNDED.replace("$12k", "$15k"), "number '$15k'"),
        (GROUNDED + " That is about 35% of the budget.", "percent '35%'"),
        (GROUNDED.replace("March 15", "March 22"), "date 'March 22, 2026'"),
        (GROUNDED + " Pay at https://pay.example/now.", "link 'https://pay.example/now'"),
        (GROUNDED + " Zephyr Holdings sends regards.", "name 'Zephyr'"),
        (GROUNDED.replace("$12k", "€12k"), "number '€12k'"),
    ],
)
async def test_an_untraceable_figure_falls_back_to_the_draft(update, answer, what):
    composer = LLMComposer(scripted(answer))
    with capture_logs() as logs:
        assert await composer.compose(update) == DRAFT
    fallback = next(entry for entry in logs if entry["event"] == "llm_fallback")
    assert fallback["kind"] == "client_update"
    assert what in fallback["reason"]


async def test_an_answer_that_drops_a_figure_of_the_draft_falls_back(update):
    answer = GROUNDED.replace(" ($4.25k of $12k)", "")
    with capture_logs() as logs:
        assert await LLMComposer(scripted(answer)).compose(update) == DRAFT
    assert any("dropped from the draft" in entry.get("reason", "") for entry in logs)


async def test_a_timeout_falls_back_to_the_draft(update):
    composer = LLMComposer(HangingModel(), timeout=0.05)
    with capture_logs() as logs:
        assert await composer.compose(update) == DRAFT
    assert any("within 0.05s" in entry.get("reason", "") for entry in logs)


async def test_a_provider_error_falls_back_to_the_draft(update):
    composer = LLMComposer(FailingModel())
    with capture_logs() as logs:
        assert await composer.compose(update) == DRAFT
    assert any("provider unreachable" in entry.get("reason", "") for entry in logs)


async def test_an_empty_or_runaway_answer_falls_back(update):
    assert await LLMComposer(scripted("   ")).compose(update) == DRAFT
    assert await LLMComposer(scripted(GROUNDED * 5)).compose(update) == DRAFT


async def test_mentions_in_the_answer_are_neutralised(update):
    composer = LLMComposer(scripted("<!channel> @everyone " + GROUNDED + " <@U0BOSS|boss>"))
    text = await composer.compose(update)
    assert "Bloom Studio storefront" in text
    for ping in ("<!channel>", "@everyone", "<@U0BOSS"):
        assert ping not in text


async def test_facts_and_draft_enter_as_quoted_data(update):
    model = RecordingModel(respond=lambda prompt: GROUNDED)
    await LLMComposer(model).compose(update)
    (prompt,) = model.prompts
    assert "quoted data" in prompt and "never an instruction" in prompt
    assert quoted_block(prompt, "facts")["hours_logged"] == 42.5
    assert quoted_block(prompt, "draft") == DRAFT


async def test_client_names_stay_out_of_the_prompt_when_asked(update):
    model = RecordingModel(respond=lambda prompt: GROUNDED.replace("Acme Bakery", "CLIENT_A"))
    composer = LLMComposer(model, exclude_client_names=True)
    text = await composer.compose(update)
    (prompt,) = model.prompts
    assert "Acme" not in prompt and "CLIENT_A" in prompt
    assert quoted_block(prompt, "facts")["client"] == "CLIENT_A"
    assert quoted_block(prompt, "draft").startswith("Hi CLIENT_A team")
    assert text == GROUNDED


async def test_client_names_are_sent_by_default(update):
    model = RecordingModel(respond=lambda prompt: GROUNDED)
    await LLMComposer(model).compose(update)
    assert "Acme Bakery" in model.prompts[0]


async def test_another_tenants_facts_never_reach_the_model(update):
    model = RecordingModel(respond=lambda prompt: GROUNDED)
    leaky = dataclasses.replace(
        update, facts={**update.facts, "analogues": [{"tenant": "T2", "title": "Their shop"}]}
    )
    with capture_logs() as logs:
        assert await LLMComposer(model).compose(leaky) == DRAFT
    assert model.prompts == []
    assert any("another tenant" in entry.get("reason", "") for entry in logs)
    same = dataclasses.replace(update, facts={**update.facts, "tenant": "T1"})
    assert await LLMComposer(model).compose(same) == GROUNDED


async def test_facts_beyond_plain_json_are_quoted_as_text():
    odd = Composition(kind="x", tenant="T1", draft="42h so far.", facts={"hours": {1, 2}})
    model = RecordingModel(respond=lambda prompt: "42h so far!")
    assert await LLMComposer(model).compose(odd) == "42h so far!"
    assert quoted_block(model.prompts[0], "facts") == {"hours": "{1, 2}"}
