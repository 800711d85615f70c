"""The estimate as a small PNG: each analogue's actual hours, the 80% range shaded, P50 marked.

Uses matplotlib's object API on an Agg canvas (no pyplot, no global figure state), so charts
can be drawn from worker threads concurrently. Drawing is kept cheap because it sits on the
reply's critical path: fixed margins instead of ``tight_layout`` (which draws twice), titles
written inside the bars instead of y tick labels, a few x ticks, and a one-line key instead of
a legend; matplotlib's tick and text layout is most of a chart's cost.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

_MAX_LABEL = 48
_ROW_INCHES = 0.26
_BAR = (0.16, 0.38, 0.62)  # a muted blue; darker = more similar
_BAND = "#d8e8f8"
_MARK = "#c0392b"


def _label(title: str) -> str:
    return title if len(title) <= _MAX_LABEL else title[: _MAX_LABEL - 1] + "…"


def estimate_chart(
    analogues: Sequence[tuple[str, float, float]], p10: float, p50: float, p90: float
) -> bytes:
    """``analogues`` are (title, actual hours, similarity), closest first. Returns PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    rows = list(reversed(analogues))  # closest at the top
    count = max(len(rows), 1)
    height = 0.75 + _ROW_INCHES * count
    figure = Figure(figsize=(6.4, height), dpi=80)
    FigureCanvasAgg(figure)
    bottom, top = 0.42 / height, 1 - 0.3 / height
    axes = figure.add_axes((0.02, bottom, 0.96, top - bottom))
    axes.axvspan(p10, p90, color=_BAND, zorder=0)
    positions = list(range(len(rows)))
    axes.barh(
        positions,
        [hours for _, hours, _ in rows],
        color=[(*_BAR, 0.2 + 0.5 * max(0.0, min(1.0, s))) for _, _, s in rows],
        height=0.8,
        zorder=1,
    )
    axes.axvline(p50, color=_MARK, linewidth=2, zorder=3)
    for position, (title, _, _) in zip(positions, rows, strict=True):
        axes.text(0, position, " " + _label(title), va="center", fontsize=8, zorder=4)
    highest = max([p90, p50, *(hours for _, hours, _ in rows)])
    axes.set_xlim(0, highest * 1.04 if highest > 0 else 1)
    axes.set_ylim(-0.6, count - 0.4)
    axes.set_yticks([])
    axes.xaxis.set_major_locator(MaxNLocator(nbins=5))
    axes.tick_params(axis="x", labelsize=7, length=2)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    figure.text(
        0.02,
        1 - 0.2 / height,
        "actual hours of similar past projects · shaded: 80% range · red: estimate",
        fontsize=7,
        va="center",
        color="#444444",
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
