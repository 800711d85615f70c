"""The estimate as a small PNG: each analogue's actual hours, the 80% range shaded, P50 marked.

Drawn with matplotlib on an Agg canvas, but without an ``Axes``: an axes builds tick objects,
spines and a layout on every call, which cost more than the whole picture. Here the few shapes
(bars, band, estimate line, axis line) are placed in figure coordinates on a scale computed
here, and the only text is each bar's row number (as numbered in the reply's table) and a few
hour ticks: laying out and rendering glyphs is most of a chart's cost, so the key goes in the
image's alt text rather than inside it. No pyplot and no global state, so charts can be drawn
from worker threads concurrently.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

_WIDTH = 5.0  # inches
_DPI = 80
_ROW = 0.22  # inches per bar
_MARGIN_BOTTOM = 0.28  # inches, for the hour ticks
_MARGIN_TOP = 0.08
_LEFT, _RIGHT = 0.05, 0.95  # figure fractions: row numbers left, the unit right
_BAR = (0.16, 0.38, 0.62)  # a muted blue; darker = more similar
_BAND = "#d8e8f8"
_MARK = "#c0392b"
_AXIS = "#555555"
_FONT = 7
_PNG = {"compress_level": 1}  # a few kB larger, several ms faster than the default level


def hour_ticks(highest: float) -> list[float]:
    """Round hour ticks from 0 up to at least ``highest`` (at most five)."""
    from matplotlib.ticker import MaxNLocator

    values = MaxNLocator(nbins=4).tick_values(0.0, highest if highest > 0 else 1.0)
    return [float(v) for v in values if v >= 0]


def estimate_chart(
    analogues: Sequence[tuple[float, float]], p10: float, p50: float, p90: float
) -> bytes:
    """``analogues`` are (actual hours, similarity), closest first. Returns PNG bytes.

    Bar ``n`` (from the top) is the ``n``-th row of the analogue table.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    count = max(len(analogues), 1)
    height = _MARGIN_BOTTOM + _MARGIN_TOP + _ROW * count
    figure = Figure(figsize=(_WIDTH, height), dpi=_DPI)
    FigureCanvasAgg(figure)
    bottom, top = _MARGIN_BOTTOM / height, 1 - _MARGIN_TOP / height
    row = (top - bottom) / count
    ticks = hour_ticks(max([p90, p50, *(hours for hours, _ in analogues)]))
    span = ticks[-1] if ticks and ticks[-1] > 0 else 1.0

    def x(hours: float) -> float:
        return _LEFT + (_RIGHT - _LEFT) * max(0.0, min(hours, span)) / span

    def line(xs: list[float], ys: list[float], color: str, width: float) -> None:
        figure.add_artist(Line2D(xs, ys, color=color, linewidth=width))

    figure.add_artist(
        Rectangle((x(p10), bottom), x(p90) - x(p10), top - bottom, color=_BAND, linewidth=0)
    )
    for index, (hours, similarity) in enumerate(analogues):
        y = top - row * (index + 0.9)  # closest at the top, a gap of 0.2 rows between bars
        shade = (*_BAR, 0.2 + 0.5 * max(0.0, min(1.0, similarity)))
        figure.add_artist(
            Rectangle((_LEFT, y), x(hours) - _LEFT, row * 0.8, color=shade, linewidth=0)
        )
        figure.text(
            _LEFT - 0.01, y + row * 0.4, str(index + 1), ha="right", va="center", fontsize=_FONT
        )
    line([x(p50), x(p50)], [bottom, top], _MARK, 2)
    line([_LEFT, _RIGHT], [bottom, bottom], _AXIS, 0.8)
    tick_end = bottom - 0.05 / height
    for value in ticks:
        line([x(value), x(value)], [bottom, tick_end], _AXIS, 0.8)
        figure.text(x(value), tick_end, f"{value:g}", ha="center", va="top", fontsize=_FONT)
    figure.text(_RIGHT + 0.015, bottom, "h", ha="left", va="center", fontsize=_FONT)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", pil_kwargs=_PNG)
    return buffer.getvalue()
