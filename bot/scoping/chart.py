"""The estimate as a small PNG: each analogue's actual hours, the 80% range shaded, P50 marked.

Uses matplotlib's object API on an Agg canvas (no pyplot, no global figure state), so charts
can be drawn from worker threads concurrently.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

_MAX_LABEL = 28


def _label(title: str) -> str:
    return title if len(title) <= _MAX_LABEL else title[: _MAX_LABEL - 1] + "…"


def estimate_chart(
    analogues: Sequence[tuple[str, float, float]], p10: float, p50: float, p90: float
) -> bytes:
    """``analogues`` are (title, actual hours, similarity), closest first. Returns PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = list(reversed(analogues))  # closest at the top
    height = 1.5 + 0.28 * max(len(rows), 1)
    figure = Figure(figsize=(6.4, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(rows)))
    axes.axvspan(p10, p90, color="#cfe3f7", label="80% range", zorder=0)
    axes.barh(
        positions,
        [hours for _, hours, _ in rows],
        color=[(0.16, 0.38, 0.62, 0.35 + 0.65 * max(0.0, min(1.0, s))) for _, _, s in rows],
        height=0.6,
        zorder=2,
        label="past projects (darker = more similar)",
    )
    axes.axvline(p50, color="#c0392b", linewidth=2, zorder=3, label="estimate (P50)")
    axes.set_yticks(positions, [_label(title) for title, _, _ in rows], fontsize=8)
    axes.set_xlabel("actual hours", fontsize=8)
    axes.tick_params(axis="x", labelsize=8)
    axes.set_xlim(left=0)
    axes.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
