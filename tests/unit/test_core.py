import logging

from bot.core import MAX_TEXT, Bot
from bot.errors import NotFound
from bot.messages import Action, Reply, Request
from bot.registry import Command, SkillError


def _boom_skill(registry):
    async def boom(request, services):
        raise RuntimeError("database exploded")

    async def polite(request, services):
        raise SkillError("No project called 'zeta'.")

    registry.command(Command(name="boom", summary="", usage="", examples=(), handler=boom))
    async def unknown(request, services):  # domain code below the skills raises its own kinds
        raise NotFound("There is no log entry #12. `/log <project>` lists them.")

    registry.command(Command(name="polite", summary="", usage="", examples=(), handler=polite))
    registry.command(Command(name="unknown", summary="", usage="", examples=(), handler=unknown))


def _request(**kwargs) -> Request:
    return Request(tenant="T", user_id="U", platform="test", **kwargs)


async def test_a_crashing_skill_answers_with_an_error_id(bot, caplog, monkeypatch):
    import sys
    import types

    module = types.ModuleType("tests_boom_skill")
    module.setup = _boom_skill  # type: ignore[attr-defined]  # a skill module made here
    monkeypatch.setitem(sys.modules, "tests_boom_skill", module)
    crashing = Bot(bot.services, skills=("bot.skills.help", "tests_boom_skill"))
    with caplog.at_level(logging.ERROR):
        reply = await crashing.handle(_request(command="boom"))
    assert isinstance(reply, Reply)
    assert "error id" in reply.text and "Traceback" not in reply.text
    assert "database exploded" not in reply.text
    polite = await crashing.handle(_request(command="polite"))
    assert polite is not None
    assert polite.text == "No project called 'zeta'." and polite.refused
    unknown = await crashing.handle(_request(command="unknown"))
    assert unknown is not None
    assert unknown.text == "There is no log entry #12. `/log <project>` lists them."
    assert unknown.refused and "error id" not in unknown.text


async def test_unknown_and_empty_input_list_what_works(bot):
    for request in (_request(command="deploy"), _request(text=""), _request(text="banana")):
        reply = await bot.handle(request)
        assert "/help" in reply.text


async def test_retried_events_are_handled_once(bot):
    first = await bot.handle(_request(command="help", event_id="Ev1"))
    again = await bot.handle(_request(command="help", event_id="Ev1"))
    other_tenant = await bot.handle(
        Request(tenant="T2", user_id="U", platform="test", command="help", event_id="Ev1")
    )
    assert first is not None and again is None and other_tenant is not None


async def test_oversized_text_gets_a_clear_answer(bot):
    reply = await bot.handle(_request(command="scope", text="x" * (MAX_TEXT + 1)))
    assert "characters" in reply.text and "shorten" in reply.text


async def test_unknown_button(bot):
    reply = await bot.handle_action(Action(action_id="gone:away", tenant="T", user_id="U"))
    assert "no longer supported" in reply.text


async def test_a_database_outage_is_named_not_called_a_bug(bot, monkeypatch):
    from sqlalchemy.exc import OperationalError

    async def locked(event_key: str) -> bool:
        raise OperationalError("INSERT INTO seen_events", {}, Exception("database is locked"))

    # The dedupe insert is the first thing every request writes.
    monkeypatch.setattr(bot.services.db, "claim_event", locked)
    reply = await bot.handle(_request(command="help", event_id="Ev9"))
    assert "can't reach my database" in reply.text and "error id" in reply.text
    action = await bot.handle_action(
        Action(action_id="update:approve", tenant="T", user_id="U", event_id="A1")
    )
    assert "can't reach my database" in action.text


async def test_the_reply_says_which_command_answered_however_it_was_routed(bot):
    typed = await bot.handle(_request(text="/help scope"))
    slash = await bot.handle(_request(command="help", text="log"))
    intent = await bot.handle(_request(text="how long would a Shopify store take?"))
    unknown = await bot.handle(_request(text="banana"))
    assert (typed.command, typed.command_text) == ("help", "scope")
    assert (slash.command, slash.command_text) == ("help", "log")
    assert intent.command == "scope"
    assert unknown.command is None  # nothing ran: the core's own "not understood"
    refused = await bot.handle(_request(command="log", text="nosuchproject done: x"))
    assert refused.refused and refused.command == "log"  # a skill's refusal still names it
