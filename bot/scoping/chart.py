"""The estimate as a small PNG: each analogue's actual hours, the 80% range shaded, P50 marked.

Drawn with matplotlib on an Agg canvas, but without an ``Axes``: an axes builds tick objects,
spines and a layout on every call, which cost more than the whole picture. Here the few shapes
(bars, band, estimate line, axis line) are placed in figure coordinates on a scale computed
here, and the only text is each bar's row number (as numbered in the reply's table) and a few
hour ticks: laying out and rendering glyphs is most of a chart's cost, so the key goes in the
image's title and alt text rather than inside it, and those few labels are drawn as glyph
outlines (``TextPath``) converted once per string and cached, not laid out again per chart.
No pyplot and no global state, so charts can be drawn from worker threads concurrently.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from typing import Any

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
_FONT = 7  # points
_TEXT = "#222222"
_ALIGN = {"left": 0.0, "bottom": 0.0, "center": 0.5, "right": 1.0, "top": 1.0}
_PNG = {"compress_level": 1}  # a few kB larger, several ms faster than the default level


def hour_ticks(highest: float) -> list[float]:
    """Round hour ticks from 0 up to at least ``highest`` (at most five)."""
    from matplotlib.ticker import MaxNLocator

    values = MaxNLocator(nbins=4).tick_values(0.0, highest if highest > 0 else 1.0)
    return [float(v) for v in values if v >= 0]


@functools.lru_cache(maxsize=512)
def _outline(text: str) -> tuple[Any, float, float]:
    """``text`` as a glyph outline at the chart's font size (points), with its width and height.

    Only short labels (numbers, "h") are drawn, so the cache stays small; a ``Path`` is never
    modified once built, so threads can share it.
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    path = TextPath((0, 0), text, size=_FONT, prop=FontProperties(family="DejaVu Sans"))
    extents = path.get_extents()
    return path, float(extents.x1), float(extents.y1)


def estimate_chart(
    analogues: Sequence[tuple[float, float]], p10: float, p50: float, p90: float
) -> bytes:
    """``analogues`` are (actual hours, similarity), closest first. Returns PNG bytes.

    Bar ``n`` (from the top) is the ``n``-th row of the analogue table.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path
    from matplotlib.transforms import Affine2D

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

    def box(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]

    # One artist per kind of shape: matplotlib's cost is mostly per artist, not per shape.
    shapes = [box(x(p10), bottom, x(p90), top)]
    colours: list[Any] = [_BAND]
    labels: list[tuple[str, float, float, str, str]] = []
    for index, (hours, similarity) in enumerate(analogues):
        y = top - row * (index + 0.9)  # closest at the top, a gap of 0.2 rows between bars
        shapes.append(box(_LEFT, y, x(hours), y + row * 0.8))
        colours.append((*_BAR, 0.2 + 0.5 * max(0.0, min(1.0, similarity))))
        labels.append((str(index + 1), _LEFT - 0.012, y + row * 0.4, "right", "center"))
    figure.add_artist(PolyCollection(shapes, facecolors=colours, linewidths=0))
    tick_end = bottom - 0.05 / height
    strokes = [[(_LEFT, bottom), (_RIGHT, bottom)]]
    for value in ticks:
        strokes.append([(x(value), bottom), (x(value), tick_end)])
        labels.append((f"{value:g}", x(value), tick_end - 0.03 / height, "center", "top"))
    labels.append(("h", _RIGHT + 0.015, bottom, "left", "center"))
    figure.add_artist(LineCollection(strokes, colors=_AXIS, linewidths=0.8))
    figure.add_artist(
        LineCollection([[(x(p50), bottom), (x(p50), top)]], colors=_MARK, linewidths=2)
    )

    scale = _DPI / 72  # outlines are in points, the canvas in pixels
    placed = []
    for text, fx, fy, ha, va in labels:
        path, width, tall = _outline(text)
        px = fx * _WIDTH * _DPI - _ALIGN[ha] * width * scale
        py = fy * height * _DPI - _ALIGN[va] * tall * scale
        placed.append(path.transformed(Affine2D().scale(scale).translate(px, py)))
    text_patch = PathPatch(Path.make_compound_path(*placed), facecolor=_TEXT, linewidth=0)
    text_patch.set_transform(Affine2D())  # already in pixels
    figure.add_artist(text_patch)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", pil_kwargs=_PNG)
    return buffer.getvalue()
