"""Discord's 3-second deadline: the first response goes out before any slow step.

Time is a manual clock that the slow steps advance (a 1.4 s skill, a 1.7 s DM send, a slow
member fetch): every call the interaction receives is stamped with it, so the test reads when
the first response would have reached Discord without sleeping or timing anything.
"""

from __future__ import annotations

from typing import Any

import discord
import discord.ext.test as dpytest
import pytest

from adapters.discord.client import AtelierClient
from adapters.discord.delivery import DM_SENT
from adapters.discord.translate import interaction_request
from bot.messages import Reply
from tests.discord.fakes import Call, FakeInteraction, FakeUser

DISCORD_DEADLINE = 3.0


class ManualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class SlowDMUser(FakeUser):
    """A member whose DM takes ``seconds`` to reach Discord."""

    def __init__(self, clock: ManualClock, seconds: float, log: list[Call]) -> None:
        super().__init__(111)
        self.clock, self.seconds, self.timeline = clock, seconds, log

    async def send(self, content: str | None = None, **kwargs: Any) -> None:
        self.timeline.append(Call("dm_start", {}))
        self.clock.now += self.seconds
        await super().send(content, **kwargs)


@pytest.fixture
def clock(client: AtelierClient, monkeypatch: pytest.MonkeyPatch) -> ManualClock:
    manual = ManualClock()
    client.clock = manual
    client.reply_budget = 1.5  # the production budget, on the manual clock
    return manual


def slow_core(client: AtelierClient, monkeypatch: pytest.MonkeyPatch, clock: ManualClock) -> None:
    """The core takes 1.4 s of (manual) time for every request: under the budget alone."""
    handle = client.bot.handle

    async def timed(request: Any) -> Reply | None:
        clock.now += 1.4
        return await handle(request)

    monkeypatch.setattr(client.bot, "handle", timed)


def first_response(interaction: FakeInteraction) -> Call:
    return next(c for c in interaction.log if c.name in {"defer", "send_message", "send_modal"})


async def test_a_slow_dm_after_a_quick_skill_is_deferred_first(
    client: AtelierClient, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_core(client, monkeypatch, clock)
    guild = dpytest.get_config().guilds[0]
    interaction = FakeInteraction(client=client, user=FakeUser(111), guild_id=guild.id)
    interaction.log.clock = clock
    interaction.user = SlowDMUser(clock, 1.7, interaction.log)
    command = client.tree.get_command("draft")
    assert isinstance(command, discord.app_commands.Command)
    await command.callback(interaction, "weekly")  # type: ignore[arg-type]

    names = [c.name for c in interaction.log]
    assert names == ["defer", "dm_start", "followup"]
    first = first_response(interaction)
    assert first.name == "defer" and first.at == pytest.approx(1.4)
    assert first.at < DISCORD_DEADLINE
    # The DM went out after the acknowledgement; the note replaces the "thinking…" state.
    [dm] = interaction.user.dms
    assert dm.kwargs["embeds"][0].title == "Draft update"
    note = interaction.calls("followup")[0]
    assert note.kwargs["content"] == "Draft sent to your DMs." != DM_SENT
    assert note.at == pytest.approx(3.1)  # late for a first response, fine for a follow-up


async def test_a_member_fetch_for_a_dm_command_is_deferred_first(
    client: AtelierClient, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slash command in DMs acts for the home server; a member not in the cache is asked of
    Discord (1.2 s here), so the interaction is acknowledged before that."""
    guild = dpytest.get_config().guilds[0]
    monkeypatch.setattr(client.settings, "discord_home_guild", str(guild.id))
    fetch = client.http.get_member  # answers 404 for this stranger, as Discord does
    timeline = FakeInteraction(client=client, user=FakeUser(424242), guild_id=None)
    timeline.log.clock = clock

    async def slow_fetch(guild_id: int, member_id: int) -> Any:
        timeline.log.append(Call("fetch_member", {}))
        clock.now += 1.2
        return await fetch(guild_id, member_id)

    monkeypatch.setattr(client.http, "get_member", slow_fetch)
    command = client.tree.get_command("echo")
    assert isinstance(command, discord.app_commands.Command)
    await command.callback(timeline, "hi")  # type: ignore[arg-type]
    names = [c.name for c in timeline.log]
    # Not cached: deferred before the fetch, then the refusal follows up.
    assert names == ["defer", "fetch_member", "followup"]
    assert first_response(timeline).at == 0.0
    assert "members of the server" in timeline.calls("followup")[0].kwargs["content"]


async def test_the_budget_counts_from_arrival_not_from_the_skill(
    client: AtelierClient, clock: ManualClock
) -> None:
    """1.2 s already spent before the skill leaves 0.3 s of the 1.5 s budget: a skill then
    gets deferred even though it alone would be quick."""
    guild = dpytest.get_config().guilds[0]
    interaction = FakeInteraction(client=client, user=FakeUser(111), guild_id=guild.id)
    deadline = client.deadline(interaction, thinking=True)  # type: ignore[arg-type]
    clock.now += 1.2
    assert deadline.remaining() == pytest.approx(0.3)
    clock.now += 0.3
    assert deadline.remaining() == 0.0
    await deadline.within(client.bot.handle(_echo_request(interaction)))
    assert [c.name for c in interaction.log] == ["defer"]
    assert deadline.deferred_thinking


def _echo_request(interaction: FakeInteraction) -> Any:
    return interaction_request(interaction, str(interaction.guild_id), "echo", "hi")  # type: ignore[arg-type]
