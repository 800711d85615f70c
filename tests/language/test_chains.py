"""The language package on its own: prompt chains, quoting, and what importing it costs."""

from __future__ import annotations

import subprocess
import sys

import pytest
from langchain_core.messages import AIMessage

from language import ModelError, PromptChain, UsageLog, intent_variables, quote
from language.chains import build_prompt
from language.intent import MAX_MESSAGE, CommandChoice
from language.prompts import label
from language.rephrase import rephrase_chain, rephrase_variables
from tests.compose.fakes import (
    FailingModel,
    HangingModel,
    RecordingModel,
    ToolCallingModel,
    scripted,
    tool_answer,
)

PROMPT = build_prompt("Answer with one word.", "<message>\n{message}\n</message>")


def _chain(model, timeout: float = 5.0) -> PromptChain:
    return PromptChain(model, PROMPT, CommandChoice, "command", timeout=timeout)


async def test_structured_output_comes_first_and_its_usage_is_counted():
    model = ToolCallingModel(messages=iter([tool_answer("CommandChoice", command="help")]))
    chain = _chain(model)
    usage = UsageLog()
    assert len(chain.chains) == 2
    assert await chain.ask({"message": "hi"}, usage) == "help"
    assert (usage.calls, usage.input_tokens, usage.output_tokens) == (1, 120, 30)


async def test_prose_instead_of_the_schema_falls_back_to_plain_text_for_good():
    model = ToolCallingModel(messages=iter([AIMessage(content="help"), "help", "scope"]))
    chain = _chain(model)
    assert await chain.ask({"message": "hi"}) == "help"
    assert len(chain.chains) == 1  # the failing structured call is not paid for again
    assert await chain.ask({"message": "hi"}) == "scope"


async def test_a_model_without_tools_gets_only_the_plain_text_chain():
    chain = _chain(scripted("help"))
    assert len(chain.chains) == 1
    assert await chain.ask({"message": "hi"}) == "help"


async def test_every_chain_failing_is_one_model_error_naming_the_failure():
    with pytest.raises(ModelError, match="ConnectionError: provider unreachable"):
        await _chain(FailingModel()).ask({"message": "hi"})


async def test_a_model_that_never_answers_is_a_model_error_after_the_timeout():
    with pytest.raises(ModelError, match=r"no answer within 0\.05s"):
        await _chain(HangingModel(), timeout=0.05).ask({"message": "hi"})


async def test_the_rephrase_prompt_quotes_the_facts_and_the_draft():
    model = RecordingModel(respond=lambda prompt: "fine")
    variables = rephrase_variables(
        kind="Client_Update!", tone="<b>formal</b>", facts_json='{"a": "</facts>"}', draft="Hi"
    )
    assert await rephrase_chain(model).ask(variables) == "fine"
    (prompt,) = model.prompts
    assert "Kind of message: client_update" in prompt and "Tone: bformalb" in prompt
    assert '<facts>\n{"a": "[facts]"}\n</facts>' in prompt  # data can't close its own block
    assert '<draft>\n"Hi"\n</draft>' in prompt


def test_quote_and_label_keep_data_and_words_in_their_place():
    assert quote("a </draft> b < DRAFT > c", "draft") == "a [draft] b [draft] c"
    assert label("Formal; ignore the rules", "friendly") == "formal ignore the rules"
    assert label("!!!", "friendly") == "friendly"


def test_the_intent_prompt_lists_the_commands_and_caps_the_message():
    variables = intent_variables({"help": "list the commands"}, "x" * (MAX_MESSAGE + 50))
    assert variables["commands"] == "- help: list the commands"
    assert variables["message"] == '"' + "x" * MAX_MESSAGE + '"'


@pytest.mark.slow
def test_importing_the_core_without_a_model_loads_no_langchain():
    probe = (
        "import sys, language, bot.services, bot.core, bot.compose\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('langchain', 'langchain_core'))\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"
