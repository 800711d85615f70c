"""The `/scope` answer as neutral blocks: summary, analogues, phases, risks, questions, chart."""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import (
    Block,
    Button,
    Buttons,
    Citation,
    Citations,
    Heading,
    Image,
    Paragraph,
    Table,
)
from bot.scoping import wording as w
from bot.scoping.result import RANGE_COVERAGE, AnalogueRow, GuessCheck, ScopeResult

BRIEF_SHOWN = 300  # characters of the brief echoed back
TITLE_SHOWN = 60


def summary_draft(result: ScopeResult) -> str:
    """The template-written answer: the one line, confidence, overrun and the guess check."""
    if not result.has_estimate:
        return no_analogues_draft(result)
    est = result.estimate
    assert est is not None
    cur = result.currency
    lines = [
        f"**≈ {w.hours(est.p50)}** ({w.hours_range(est.p10, est.p90)}, "
        f"{w.percent(RANGE_COVERAGE)} range), **≈ {w.money(result.price(est.p50), cur)}** "
        f"at {w.rate(result.rate, cur)} ({w.money(result.price(est.p10), cur)}–"
        f"{w.money(result.price(est.p90), cur)})."
    ]
    basis = (
        f"Confidence: **{est.confidence}**, from {est.n_analogues} similar past "
        f"project{'s' if est.n_analogues != 1 else ''} (mean similarity "
        f"{w.percent(est.mean_similarity)})"
    )
    if est.shrinkage >= 0.2:
        basis += (
            f"; as they are few or not very close, the range leans "
            f"{w.percent(est.shrinkage)} on all {result.n_closed} of your closed projects"
        )
    if result.band_calibrated_on:
        basis += (
            f". The {w.percent(RANGE_COVERAGE)} range is calibrated on "
            f"{result.band_calibrated_on} of your past projects (each estimated from the others)"
        )
    lines.append(basis + ".")
    wide_line = _wide_text(result)
    if wide_line:
        lines.append(wide_line)
    if result.filters:
        lines.append("Compared only with past projects " + _filters_text(result) + ".")
    overrun_line = _overrun_text(result)
    if overrun_line:
        lines.append(overrun_line)
    guess_line = _guess_text(result)
    if guess_line:
        lines.append(guess_line)
    return "\n\n".join(lines)


def no_analogues_draft(result: ScopeResult) -> str:
    if result.n_closed == 0:
        text = (
            "**No close analogues**: there are no closed past projects with actual hours in "
            "this workspace yet, so I can't size this from your history, and I won't guess a "
            "number. Add past work with `/projects import` (CSV, JSON or Markdown), or close "
            "finished projects with `/projects close`, then ask again."
        )
    else:
        text = (
            f"**No close analogues**: none of your {result.n_closed} closed past projects is "
            f"similar enough to this brief (the floor is {w.percent(result.min_similarity)} "
            "similarity), so I won't guess a number."
        )
        if result.candidates:
            closest = result.candidates[0]
            text += (
                f" The closest, _{w.safe(closest.title, TITLE_SHOWN)}_ `{closest.id}`, is "
                f"{w.percent(closest.similarity)} similar."
            )
        text += (
            " If you have done work like this before, add it with `/projects import` and ask again."
        )
    guess_line = _guess_text(result)
    if guess_line:
        text += "\n\n" + guess_line
    return text


def _filters_text(result: ScopeResult) -> str:
    parts = []
    if result.filters.get("type"):
        parts.append(f"of type _{w.safe(result.filters['type'])}_")
    if result.filters.get("tags"):
        parts.append("tagged " + ", ".join(f"_{w.safe(t)}_" for t in result.filters["tags"]))
    return " and ".join(parts)


def _overrun_text(result: ScopeResult) -> str:
    similar, overall = result.overrun_similar, result.overrun_all
    if similar is None and overall is None:
        return ""
    parts = []
    if similar is not None:
        parts.append(
            f"Similar projects took **{w.ratio(similar.ratio)}** their estimate "
            f"({w.ratio(similar.p10)}–{w.ratio(similar.p90)}, {similar.n} "
            f"project{'s' if similar.n != 1 else ''} with both numbers)"
        )
    if overall is not None:
        lead = "all your projects" if parts else "Your projects took"
        text = (
            f"{lead} {w.ratio(overall.ratio)}"
            if parts
            else f"{lead} **{w.ratio(overall.ratio)}** their estimate"
        )
        parts.append(
            f"{text} ({w.ratio(overall.p10)}–{w.ratio(overall.p90)}, {overall.n} "
            f"project{'s' if overall.n != 1 else ''})"
        )
    return "; ".join(parts) + "."


def _guess_position(guess: GuessCheck) -> str:
    """Where the guess sits against the range the history alone gives."""
    assert guess.estimate is not None
    history_range = w.hours_range(guess.estimate.history_p10, guess.estimate.history_p90)
    where = {
        "below": f"Your guess is **below** the range your history alone gives "
        f"({history_range}): check what it leaves out.",
        "above": f"Your guess is **above** the range your history alone gives ({history_range}).",
        "within": f"Your guess is within the range your history alone gives ({history_range}).",
    }
    return where[guess.position or "within"]


def _guess_text(result: ScopeResult) -> str:
    guess = result.guess
    if guess is None:
        return ""
    if guess.ratio is None or guess.likely_hours is None:
        return (
            f"You guessed {w.hours(guess.guess_hours)}; none of your past projects has both an "
            "estimate and an actual, so I can't yet say how your guesses usually turn out."
        )
    basis = "similar projects" if guess.basis == "similar" else "your past projects"
    if guess.estimate is not None and result.history_estimate is not None:
        # The headline is the combined estimate: this says what it rests on, and what the
        # history alone would have said.
        text = (
            f"You guessed {w.hours(guess.guess_hours)}: the estimate above combines it with "
            f"your record, from how guesses of that size for similar work turned out ({basis} "
            f"took {w.ratio(guess.ratio.ratio)} their estimate). Your history alone says "
            f"≈ {w.hours(result.history_estimate.p50)}."
        )
        return text + " " + _guess_position(guess)
    if guess.estimate is not None:
        text = (
            f"You guessed {w.hours(guess.guess_hours)}: combined with your record, "
            f"**≈ {w.hours(guess.likely_hours)}** "
            f"({w.hours_range(guess.low_hours or 0.0, guess.high_hours or 0.0)}, "
            f"{w.percent(RANGE_COVERAGE)} range), from how guesses of that size for similar "
            f"work turned out ({basis} took {w.ratio(guess.ratio.ratio)} their estimate)."
        )
        return text + " " + _guess_position(guess)
    return (
        f"You guessed {w.hours(guess.guess_hours)}: on your record that means "
        f"**≈ {w.hours(guess.likely_hours)}** "
        f"({w.hours_range(guess.low_hours or 0.0, guess.high_hours or 0.0)}), since "
        f"{basis} took {w.ratio(guess.ratio.ratio)} their estimate."
    )


def _wide_text(result: ScopeResult) -> str:
    """A band that is honest but too wide to quote says so and points at the questions."""
    est = result.estimate
    if est is None or not est.wide:
        return ""
    size = f"P90 is {w.ratio(est.spread)} P10" if est.p10 > 0 else "it starts at zero"
    text = (
        f"**This range is too wide to quote as is** ({size}): your similar projects really "
        "varied that much."
    )
    if result.questions:
        return text + " The answers to the questions below would narrow it."
    return text + " More detail in the brief (scope, platform, integrations) would narrow it."


def chart_name(title: str) -> str:
    """A past project's name on the chart: as safe as in the table (the chart shortens it)."""
    return w.safe(title, TITLE_SHOWN)


def chart_title(brief: str) -> str:
    return f"Estimate for: {w.safe(brief, 60)}"


def analogue_table(rows: Sequence[AnalogueRow], caption: str, *, numbered: bool = False) -> Table:
    """The analogues as a table; ``numbered`` rows start "1." as the chart's bars are labelled."""
    return Table(
        columns=("past project", "actual", "estimate → actual", "similarity"),
        rows=tuple(
            (
                (f"{number}. " if numbered else "") + w.safe(row.title, TITLE_SHOWN),
                w.hours(row.actual_hours),
                (
                    f"{w.hours(row.estimated_hours)} → {w.hours(row.actual_hours)} "
                    f"({w.ratio(row.overrun_ratio)})"
                    if row.estimated_hours and row.overrun_ratio is not None
                    else "no estimate"
                ),
                w.percent(row.similarity) + ("" if row.used else " (not used)"),
            )
            for number, row in enumerate(rows, start=1)
        ),
        caption=caption,
    )


def analogue_citations(rows: Sequence[AnalogueRow]) -> Citations:
    return Citations(
        items=tuple(
            Citation(
                source_id=row.id,
                title=w.safe(row.title, TITLE_SHOWN),
                detail=f"{w.hours(row.actual_hours)} actual, {w.percent(row.similarity)} similar",
            )
            for row in rows
        )
    )


def _list(title: str, items: Sequence[str]) -> Paragraph:
    return Paragraph(text=f"**{title}**\n" + "\n".join(f"- {item}" for item in items))


def scope_blocks(
    result: ScopeResult,
    summary: str,
    *,
    run_id: str | None,
    chart: bytes | None,
) -> tuple[Block, ...]:
    """All blocks of the answer; ``summary`` is the composed version of :func:`summary_draft`."""
    blocks: list[Block] = [
        Heading(text="Scope estimate" if result.has_estimate else "Scope: no close analogues"),
        Paragraph(text=f"_Brief:_ {w.safe(result.brief, BRIEF_SHOWN)}"),
        Paragraph(text=summary),
    ]
    if result.has_estimate:
        est = result.estimate
        assert est is not None
        blocks.append(
            # The chart names its bars itself: the table needs no numbers to match them.
            analogue_table(result.analogues, "Similar past projects")
        )
        blocks.append(analogue_citations(result.analogues))
        if result.phases:
            blocks.append(
                Table(
                    columns=("phase", "share", "hours"),
                    rows=tuple(
                        (w.safe(p.name, 40), w.percent(p.share), w.hours(p.hours))
                        for p in result.phases
                    ),
                    caption="Phases (similarity-weighted splits of the analogues, applied to "
                    "the estimate)",
                )
            )
        if result.risks:
            blocks.append(
                _list(
                    "Risks from past retros",
                    [
                        f"{w.safe(r.text, 200)} ({', '.join(f'`{i}`' for i in r.source_ids)})"
                        for r in result.risks
                    ],
                )
            )
    if result.questions:
        blocks.append(_list("Questions to ask the client", [q.text for q in result.questions]))
    if chart is not None and result.has_estimate:
        est = result.estimate
        assert est is not None
        blocks.append(
            Image(
                data=chart,
                filename=f"scope-{run_id or 'estimate'}.png",
                alt_text=f"Actual hours of the {len(result.analogues)} closest past projects: "
                + "; ".join(
                    f"{chart_name(a.title)} {w.hours(a.actual_hours)}" for a in result.analogues
                )
                + f". The {w.percent(RANGE_COVERAGE)} range {w.hours_range(est.p10, est.p90)} "
                f"is shaded and the estimate {w.hours(est.p50)} drawn in red.",
                title=f"Estimate {w.hours(est.p50)}, {w.percent(RANGE_COVERAGE)} range "
                f"{w.hours_range(est.p10, est.p90)}",
            )
        )
    buttons: list[Button] = []
    if run_id and result.has_estimate:
        buttons.append(
            Button(label="Save estimate", action_id="scope:save", value=run_id, style="primary")
        )
        buttons.append(Button(label="Draft proposal", action_id="proposal:scope", value=run_id))
    if run_id and result.n_closed > len(result.analogues):
        buttons.append(Button(label="Show more analogues", action_id="scope:more", value=run_id))
    if buttons:
        blocks.append(Buttons(items=tuple(buttons)))
    return tuple(blocks)
