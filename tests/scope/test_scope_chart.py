"""The range chart: a real PNG with one bar per analogue, the band and the estimate drawn."""

from __future__ import annotations

import io

from PIL import Image

from bot.scoping.chart import estimate_chart, hour_ticks

_MARK = (0xC0, 0x39, 0x2B)  # the estimate's red line


def _image(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG")
    return Image.open(io.BytesIO(png)).convert("RGB")


def test_the_chart_grows_with_the_analogues_and_marks_the_estimate() -> None:
    two = _image(estimate_chart([(42.0, 0.6), (18.0, 0.4)], 20.0, 35.0, 48.0))
    eight = _image(estimate_chart([(140.0 - i * 11, 0.8) for i in range(8)], 60.0, 95.0, 130.0))
    assert eight.height > two.height and eight.width == two.width
    colours = {colour for _, colour in eight.getcolors(maxcolors=100_000)}
    assert _MARK in colours  # the estimate line is drawn
    assert (0xD8, 0xE8, 0xF8) in colours  # the shaded range


def test_degenerate_inputs_still_give_a_chart() -> None:
    for analogues, band in (([], (0.0, 0.0, 0.0)), ([(0.0, 0.0)], (0.0, 0.0, 0.0))):
        assert _image(estimate_chart(analogues, *band)).width > 0


def test_hour_ticks_start_at_zero_and_cover_the_highest_value() -> None:
    ticks = hour_ticks(137.0)
    assert ticks[0] == 0.0 and ticks[-1] >= 137.0 and len(ticks) <= 6
    assert hour_ticks(0.0)[-1] > 0
