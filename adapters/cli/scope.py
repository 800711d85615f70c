"""`atelier scope BRIEF`: the `/scope` answer for scripts and terminals."""

from __future__ import annotations

from typing import Annotated

import typer

from adapters.cli.common import (
    JsonOption,
    TenantOption,
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


def register(app: typer.Typer) -> None:
    app.command("scope")(scope_command)
