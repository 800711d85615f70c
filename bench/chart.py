"""The `/scope` chart's cost next to the embedding of the brief it answers.

- **baseline**: one brief embedded by the local model, called directly (``bench.scale.uncached``:
  the embedder's memory of recent texts would hand back a repeated brief's vector for free), the
  least work any `/scope` answer does;
- **Pillow**: ``estimate_chart`` as `/scope` draws it (title, eight named bars with their hours,
  the band and the estimate in a legend, ticks and an axis label), PNG bytes out;
- **matplotlib** (only when it is importable; it is not a dependency): the same content with
  matplotlib's Agg backend at the same pixel size (``barh``, ``axvspan``, ``axvline``,
  ``bar_label``, a legend), the way a plotting library would draw it.

The three alternate brief by brief, after a warm-up, so machine noise hits them alike. Target:
the chart costs at most a quarter of the embedding at p50.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

from bench._portfolio import BRIEFS, percentile

BARS = [
    (42.0, 0.82, "Acme bakery Shopify store with a custom theme and subscriptions"),
    (18.0, 0.74, "Florist landing page"),
    (63.5, 0.70, "Wine shop WooCommerce migration"),
    (35.0, 0.66, "Ceramics studio shop on Shopify"),
    (51.0, 0.61, "Bike repair booking site"),
    (27.0, 0.55, "Coffee roaster subscription store"),
    (70.0, 0.52, "Furniture maker catalogue with quotes"),
    (22.0, 0.47, "Tea shop theme refresh"),
]
BAND = (24.0, 38.0, 58.0)
TITLE = "Estimate for: Shopify store with a custom theme"


def pillow_chart() -> bytes:
    from bot.scoping.chart import estimate_chart

    return estimate_chart(BARS, *BAND, title=TITLE)


def matplotlib_chart() -> Callable[[], bytes] | None:
    """The same chart drawn by matplotlib, or None when it is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure
    except ImportError:
        return None

    def draw() -> bytes:
        figure = Figure(figsize=(6.0, 2.7), dpi=100)
        axes = figure.add_subplot()
        names = [f"{i + 1}. {name[:28]}" for i, (_, _, name) in enumerate(BARS)]
        hours = [bar[0] for bar in BARS]
        low, mid, high = BAND
        axes.axvspan(low, high, color="#d8e8f8", label=f"80% range: {low:g} to {high:g} h")
        bars = axes.barh(names, hours, color="#29619e", alpha=0.6)
        axes.bar_label(bars, labels=[f"{h:g} h" for h in hours], padding=3, fontsize=8)
        axes.axvline(mid, color="#c0392b", linewidth=2, label=f"estimate (P50): {mid:g} h")
        axes.invert_yaxis()
        axes.set_title(TITLE, loc="left", fontsize=10)
        axes.set_xlabel("actual hours", fontsize=8)
        axes.tick_params(labelsize=8)
        axes.legend(fontsize=7, loc="lower right")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()

    return draw


def measure(rounds: int) -> dict[str, list[float]]:
    from bench.scale import uncached
    from knowledge.embeddings import get_embedder

    # The model itself: the embedder remembers recent texts, and these briefs repeat.
    embed = uncached(get_embedder())
    plotted = matplotlib_chart()
    sides: dict[str, Callable[[], Any]] = {"pillow": pillow_chart}
    if plotted is not None:
        sides["matplotlib"] = plotted
    times: dict[str, list[float]] = {"embed": [], **{side: [] for side in sides}}
    briefs = list(BRIEFS) * rounds
    for brief in briefs[:5]:  # warm-up: model weights, fonts, caches
        embed([brief])
        for draw in sides.values():
            draw()
    for brief in briefs:
        started = time.perf_counter()
        embed([brief])
        times["embed"].append(time.perf_counter() - started)
        for side, draw in sides.items():
            started = time.perf_counter()
            draw()
            times[side].append(time.perf_counter() - started)
    return times


def run(quick: bool = False) -> list[dict[str, Any]]:
    times = measure(rounds=1 if quick else 4)
    embed = percentile(times["embed"], 50) * 1000
    rows: list[dict[str, Any]] = []
    for side, target in (("pillow", 0.25), ("matplotlib", None)):
        if side not in times:
            continue
        value = percentile(times[side], 50) * 1000
        row: dict[str, Any] = {
            "name": f"/scope chart p50 ({side}) vs embedding one brief",
            "value": round(value, 3),
            "unit": "ms",
            "baseline": round(embed, 3),
            "ratio": round(value / embed, 3),
        }
        if target is not None:
            row["target"] = target
        rows.append(row)
    return rows


if __name__ == "__main__":
    import sys

    for row in run(quick="--quick" in sys.argv):
        print(row)
