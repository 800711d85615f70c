"""`atelier scope BRIEF`: the `/scope` answer for scripts and terminals."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from adapters.cli.common import (
    DEFAULT_USER,
    JsonOption,
    TenantOption,
    UserOption,
    cli_request,
    error_line,
    fail,
    print_json,
    run,
    settings_or_exit,
    stdout,
)
from bot.messages import Reply


def scope_command(
    brief: Annotated[str, typer.Argument(help="What the client wants, in plain words.")],
    tenant: TenantOption = None,
    rate: Annotated[
        float | None,
        # Bigger figures are not read as one number; the core refuses what is over its limit.
        typer.Option(
            "--rate", min=0.01, max=999_999, help="Hourly rate (default: the workspace's)."
        ),
    ] = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="ISO 4217 code, e.g. EUR.")
    ] = None,
    save: Annotated[
        bool,
        typer.Option("--save", help="Save the estimate and print its id (for `atelier proposal`)."),
    ] = False,
    user: UserOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Estimate effort and price for BRIEF from the tenant's similar past projects."""
    settings = settings_or_exit()
    from adapters.launch import load_demo_if_empty
    from adapters.runtime import running_bot
    from bot.money import currency_code

    code = None
    if currency is not None:
        code = currency_code(currency)
        if code is None:
            error_line(f"unknown currency {currency!r}; use a code such as USD or EUR")
            raise typer.Exit(2)
    who = tenant or settings.default_tenant
    text = scope_text(brief, rate, code)

    async def go() -> int:
        async with running_bot(settings) as bot:
            if settings.demo_data and who == settings.default_tenant:
                await load_demo_if_empty(bot, who)
            if save:
                return await _save(bot, who, user, text, as_json, rate, code)
            reply = await bot.handle(cli_request(settings, who, user, "scope", text))
            if reply is None:
                return fail("no answer", as_json)
            if reply.refused:
                return fail(reply.text, as_json)
            if (conflict := flags_overridden(reply, rate, code)) is not None:
                return fail(conflict, as_json)
            if as_json:
                print_json(dict(reply.facts) if reply.facts else {"text": reply.text})
                return 0
            from adapters.cli.worklog import ask_bot_render

            await ask_bot_render(bot, reply, who, user)
            return 0

    raise typer.Exit(run(go))


def scope_text(brief: str, rate: float | None, code: str | None) -> str:
    """The `/scope` text for BRIEF with the --rate / --currency flags written as a chat user
    would add them ("…, rate 90 EUR"), so the core reads them by the same rules (and refuses a
    rate it would refuse in chat). A rate the brief writes as "rate N" itself comes first, as it
    would in chat: :func:`flags_overridden` then refuses the answer."""
    if rate is None and code is None:
        return brief
    if rate is None:
        return f"{brief}, in {code}"
    amount = f"{round(rate, 2):.2f}".rstrip("0").rstrip(".")
    return f"{brief}, rate {amount}" + (f" {code}" if code else "")


def flags_overridden(reply: Reply, rate: float | None, code: str | None) -> str | None:
    """Why the answer is not priced as the flags asked (the brief names its own rate or
    currency, which the core read first), or None; a script must not get another price."""
    used_rate, used_code = reply.facts.get("rate"), reply.facts.get("currency")
    asked = None if rate is None else round(rate, 2)  # the rate goes to the core in cents
    if asked is not None and used_rate is not None and abs(float(used_rate) - asked) > 0.001:
        return (
            f"the brief names its own rate ({float(used_rate):g}), which is read before --rate "
            f"{rate:g}: take one of them out and ask again"
        )
    if code is not None and used_code and used_code != code:
        return (
            f"the brief names its own currency ({used_code}), which is read before --currency "
            f"{code}: take one of them out and ask again"
        )
    return None


async def _save(
    bot: Any,
    tenant: str,
    user: str,
    text: str,
    as_json: bool,
    rate: float | None = None,
    code: str | None = None,
) -> int:
    """`/scope TEXT`, then its Save estimate button, through the core like any adapter."""
    from bot.messages import Action

    settings = bot.services.settings
    reply = await bot.handle(cli_request(settings, tenant, user, "scope", text))
    conflict = flags_overridden(reply, rate, code) if reply is not None else None
    if conflict is not None:
        return fail(f"nothing saved: {conflict}", as_json)
    buttons = reply.buttons if reply is not None else ()
    button = next((b for b in buttons if b.action_id == "scope:save"), None)
    if reply is None or button is None:
        message = (reply.text if reply else "") or "no estimate to save"
        if as_json:
            print_json({"error": message, "estimate_id": None})
        else:
            error_line(f"nothing saved: {message.splitlines()[0]}")
        return 1
    saved = await bot.handle_action(
        Action(
            action_id=button.action_id,
            value=button.value,
            tenant=tenant,
            user_id=user,
            user_name=user,
            platform="cli",
        )
    )
    if as_json:
        print_json({"estimate_id": button.value, "text": saved.text if saved else ""})
    else:
        stdout.print(saved.text if saved else "", markup=False, highlight=False)
        stdout.print(f"Estimate id: {button.value}", markup=False, highlight=False)
    return 0


def register(app: typer.Typer) -> None:
    app.command("scope")(scope_command)
