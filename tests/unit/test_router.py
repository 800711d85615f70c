from bot.messages import Reply, Request
from bot.registry import Command, SkillRegistry
from bot.router import clean_text, route


async def _noop(request, services):
    return Reply()


def _registry() -> SkillRegistry:
    registry = SkillRegistry()
    for name in ("scope", "log", "help"):
        registry.command(Command(name=name, summary="", usage="", examples=(), handler=_noop))
    registry.intent("log", r"^log\b\s*(?P<rest>.*)$", priority=80, text_group="rest")
    registry.intent("scope", r"\b(how long|how much|estimate)\b", priority=40)
    return registry


def _request(**kwargs) -> Request:
    return Request(tenant="T", user_id="U", **kwargs)


def test_slash_commands_route_by_name():
    found = route(_request(command="/Scope", text=" a shop "), _registry())
    assert (found.command, found.text) == ("scope", "a shop")


def test_unknown_command_routes_nowhere():
    assert route(_request(command="deploy"), _registry()).command is None


def test_free_text_uses_intents_by_priority():
    registry = _registry()
    found = route(_request(text="<@U999> log acme: how long did the API take? 3h"), registry)
    assert found.command == "log"
    assert found.text == "acme: how long did the API take? 3h"
    found = route(_request(text="How long would a Shopify store take?"), registry)
    assert found.command == "scope"


def test_typed_slash_command_in_a_dm():
    found = route(_request(text="/log acme done"), _registry())
    assert (found.command, found.text) == ("log", "acme done")


def test_mentions_are_stripped():
    assert clean_text("<@U123> <@!456>, hello") == "hello"
    assert clean_text("@atelier: hi") == "hi"


def test_registering_twice_fails():
    registry = _registry()
    try:
        registry.command(Command(name="log", summary="", usage="", examples=(), handler=_noop))
    except ValueError as error:
        assert "twice" in str(error)
    else:
        raise AssertionError("duplicate command accepted")
