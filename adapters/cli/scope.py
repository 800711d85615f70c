"""`atelier scope BRIEF`: the `/scope` answer for scripts and terminals."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from adapters.cli.common import (
    JsonOption,
    TenantOption,
    UserOption,
    cli_request,
    error_line,
    print_json,
    run,
    settings_or_exit,
    stdout,
)


def scope_command(
    brief: Annotated[str, typer.Argument(help="What the client wants, in plain words.")],
    tenant: TenantOption = None,
    rate: Annotated[
        float | None,
        typer.Option("--rate", min=0.01, help="Hourly rate (default: the workspace's)."),
    ] = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="ISO 4217 code, e.g. EUR.")
    ] = None,
    save: Annotated[
        bool,
        typer.Option("--save", help="Save the estimate and print its id (for `atelier proposal`)."),
    ] = False,
    user: UserOption = "you",
    as_json: JsonOption = False,
) -> None:
    """Estimate effort and price for BRIEF from the tenant's similar past projects."""
    settings = settings_or_exit()
    from adapters.launch import load_demo_if_empty
    from adapters.runtime import running_bot
    from bot.registry import SkillError
    from bot.scoping.brief import check_rate, currency_code, parse_brief
    from bot.skills.scope import scope_reply, scope_result

    code = None
    if currency is not None:
        code = currency_code(currency)
        if code is None:
            error_line(f"unknown currency {currency!r}; use a code such as USD or EUR")
            raise typer.Exit(2)
    who = tenant or settings.default_tenant

    async def go() -> int:
        async with running_bot(settings) as bot:
            services = bot.services
            if settings.demo_data and who == settings.default_tenant:
                await load_demo_if_empty(bot, who)
            if save:
                return await _save(bot, who, user, brief, rate, code, as_json)
            try:
                parsed = parse_brief(brief)
                if rate is not None:
                    check_rate(rate)
                result = await scope_result(services, who, parsed, rate=rate, currency=code)
            except SkillError as problem:
                if as_json:
                    print_json({"error": str(problem)})
                else:
                    error_line(str(problem))
                return 1
            if as_json:
                print_json(result.facts())
                return 0
            from adapters.console import ConsoleAdapter

            reply = await scope_reply(services, who, result, run_id=None)
            console = ConsoleAdapter(
                bot, stdout, tenant=who, image_dir=settings.data_dir / "images"
            )
            await console.render(reply)
            return 0

    raise typer.Exit(run(go))


async def _save(
    bot: Any, tenant: str, user: str, brief: str, rate: float | None, code: str | None,
    as_json: bool,
) -> int:
    """`/scope BRIEF`, then its Save estimate button, through the core like any adapter."""
    from bot.messages import Action

    text = brief + (f" at {rate:g} {code or ''}".rstrip() if rate is not None else "")
    settings = bot.services.settings
    reply = await bot.handle(cli_request(settings, tenant, user, "scope", text))
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
