"""`atelier eval`: backtest estimates over a CSV file or the tenant's own closed projects.

Not a chat command: no skill answers it and it keeps no record (only a cache of embeddings),
so it runs the backtest over the bot's knowledge store directly rather than through
``Bot.handle``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from adapters.cli.common import (
    JsonOption,
    TenantOption,
    print_json,
    run,
    settings_or_exit,
    stderr,
    stdout,
)
from estimating import BacktestError, BacktestResult


def file_embedder(embeddings: str, data_dir: Path) -> Callable[[Sequence[str]], np.ndarray]:
    """The product's embedder, with its vectors kept on disk for the next run of the same file.

    Embedding is by far the slowest part of ``eval FILE`` (minutes for thousands of long rows
    on a laptop), and re-running with other options embeds the very same texts.
    """
    from knowledge.embeddings import get_embedder

    embedder = get_embedder(embeddings)
    cache_dir = Path(data_dir) / "eval-embeddings"

    def embed(texts: Sequence[str]) -> np.ndarray:
        digest = hashlib.blake2b(embedder.name.encode(), digest_size=16)
        for text in texts:
            digest.update(text.encode("utf-8", "replace") + b"\x1e")
        path = cache_dir / f"{digest.hexdigest()}.npy"
        with contextlib.suppress(OSError, ValueError):
            cached = np.load(path)
            if cached.shape[0] == len(texts):
                return cached
        vectors = embedder.embed(list(texts))
        with contextlib.suppress(OSError):
            cache_dir.mkdir(parents=True, exist_ok=True)
            np.save(path, vectors)
        return vectors

    return embed


def _print_file_table(result: BacktestResult, title: str, guess: str | None) -> None:
    table = Table(title=title, title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("estimates scored (n)", f"{result.n}"),
        ("mean absolute error (MAE)", f"{result.mae:.3f}"),
        ("median absolute error", f"{result.mdae:.3f}"),
        ("P10–P90 coverage (aim 0.80)", f"{result.coverage_80:.3f}"),
        ("P10–P90 mean width", f"{result.width_80:.3f}"),
        ("P90/P10, mean", f"{result.band_ratio:.1f}"),
        ("bands with P90/P10 above 8", f"{result.wide_share:.0%}"),
        ("baseline: history mean, MAE", f"{result.baseline_mean_mae:.3f}"),
        ("baseline: history median, MAE", f"{result.baseline_median_mae:.3f}"),
    ]
    if result.guess_mae is not None:
        rows.append((f"baseline: the raw guess ({guess}), MAE", f"{result.guess_mae:.3f}"))
    for name, value in rows:
        table.add_row(name, value)
    stdout.print(table)
    knobs = result.knobs
    tuned = result.tuned
    retrieval = (
        f"{round(knobs.lexical_weight * 100)}% lexical / "
        f"{round((1 - knobs.lexical_weight) * 100)}% semantic similarity"
    )
    stdout.print(
        f"Knobs from the history ({tuned.protocol or 'defaults'}): k={knobs.k}, {retrieval}, "
        f"metadata weight {knobs.metadata_weight:g}, similarity power "
        f"{knobs.similarity_power:g}, prior strength {knobs.prior_strength:g}, regression "
        f"share {knobs.regression_share:g}"
        + (
            f"; guess model: {knobs.guess_k} analogues, width {knobs.guess_width:g}, "
            f"history share {knobs.history_share:g}, "
            + (
                f"the guess as is where {knobs.exact_share:.0%} of similar guesses were exact"
                if knobs.exact_share > 0
                else "the guess always corrected"
            )
            if result.guess_mae is not None
            else ""
        )
    )
    stdout.print(
        f"{result.seconds_per_estimate * 1000:.1f} ms per estimate; tuning and band "
        f"calibration on the history took {result.tuning_seconds:.1f} s"
    )


def _report(result: BacktestResult, title: str, as_json: bool, guess: str | None = None) -> None:
    if as_json:
        print_json(result.metrics())
    else:
        _print_file_table(result, title, guess)


def _fail(message: str, as_json: bool) -> typer.Exit:
    if as_json:
        print_json({"error": message})
    else:
        stderr.print(f"error: {message}")
    return typer.Exit(2)


async def _tenant_backtest(tenant: str, k: int | None) -> BacktestResult | BacktestError:
    """Leave-one-out over the tenant's closed projects, through the engine `/scope` uses."""
    from adapters.launch import load_demo_if_empty
    from adapters.runtime import running_bot
    from bot.backtest import backtest_tenant
    from estimating import Knobs

    settings = settings_or_exit()
    async with running_bot(settings) as bot:
        if settings.demo_data and tenant == settings.default_tenant:
            await load_demo_if_empty(bot, tenant)
        store = bot.services.knowledge
        params = Knobs(k=k or settings.scope_k, min_similarity=settings.scope_min_similarity)
        # Searches are synchronous (embedding + vector store): keep them off the event loop.
        try:
            return await asyncio.to_thread(
                backtest_tenant,
                store,
                tenant,
                params,
                bot.services.bands,
                bot.services.histories,
            )
        except BacktestError as problem:
            return problem  # the user's own words, reported outside the generic failure path


def eval_command(
    file: Annotated[
        Path | None,
        typer.Argument(help="CSV file, one row per past item; omit to backtest --tenant."),
    ] = None,
    text: Annotated[
        list[str] | None,
        typer.Option("--text", help="Column(s) with the item's text; repeat for several."),
    ] = None,
    target: Annotated[
        str | None, typer.Option("--target", help="Column with the actual effort.")
    ] = None,
    train_fraction: Annotated[
        float,
        typer.Option("--train-fraction", help="Share of rows (in file order) used as history."),
    ] = 0.8,
    k: Annotated[
        int | None,
        typer.Option(
            "--k",
            min=1,
            help="Similar items per estimate (default: learned from the FILE's history; "
            "ATELIER_SCOPE_K for a tenant).",
        ),
    ] = None,
    guess: Annotated[
        str | None,
        typer.Option(
            "--guess",
            help="Column with the estimate made before the work: score the engine's "
            "guess-plus-history estimate, and the raw guess beside it.",
        ),
    ] = None,
    category: Annotated[
        list[str] | None,
        typer.Option(
            "--category", help="Column(s) with the item's category or type; repeat for several."
        ),
    ] = None,
    tenant: TenantOption = None,
    as_json: JsonOption = False,
) -> None:
    """How good are estimates from history? MAE, coverage and baselines of a backtest.

    With FILE: rows in file order, the first --train-fraction is history and each later row
    is estimated from that history only, by the same engine /scope uses (the rows are embedded
    with the configured embedder; the vectors are kept in the data dir for the next run).
    Without FILE: each of the tenant's closed projects is estimated from all the others
    (leave-one-out).
    """
    result: BacktestResult
    try:
        if file is not None:
            if not text or not target:
                raise BacktestError("with a FILE, give --text COLUMN (one or more) and --target")
            from bot.backtest import backtest_file

            settings = settings_or_exit()
            result = backtest_file(
                file,
                text,
                target,
                train_fraction,
                k,
                guess=guess,
                category=category or (),
                embed=file_embedder(settings.embeddings, settings.data_dir),
            )
            title = f"Backtest of {file.name}: {result.n} estimates from earlier rows"
        else:
            settings = settings_or_exit()
            who = tenant or settings.default_tenant
            outcome = run(lambda: _tenant_backtest(who, k))
            if isinstance(outcome, BacktestError):
                raise outcome
            result = outcome
            title = (
                f"Leave-one-out over {result.n} closed projects of {who} (knobs and band "
                "tuned on these same rounds; a time split of a FILE is the out-of-sample check)"
            )
    except BacktestError as problem:
        raise _fail(str(problem), as_json) from None
    except Exception as problem:
        from knowledge.embeddings import EmbeddingsUnavailable
        from knowledge.store import KnowledgeUnavailable

        # The store and the embedder report their own problems in user-readable words.
        if isinstance(problem, KnowledgeUnavailable | EmbeddingsUnavailable):
            raise _fail(str(problem), as_json) from None
        raise
    _report(result, title, as_json, guess)


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)
