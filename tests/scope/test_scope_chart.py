"""The range chart: a real PNG with one bar per analogue, the band and the estimate drawn."""

from __future__ import annotations

import io
import random
import string

from PIL import Image, ImageFont

from bot.scoping import chart
from bot.scoping.chart import estimate_chart, hour_ticks, shorten

_MARK = (0xC0, 0x39, 0x2B)  # the estimate's red line


def _image(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG")
    return Image.open(io.BytesIO(png)).convert("RGB")


def test_the_chart_grows_with_the_analogues_and_marks_the_estimate() -> None:
    two = _image(estimate_chart([(42.0, 0.6), (18.0, 0.4)], 20.0, 35.0, 48.0))
    eight = _image(estimate_chart([(140.0 - i * 11, 0.8) for i in range(8)], 60.0, 95.0, 130.0))
    assert eight.height > two.height and eight.width == two.width
    counted = eight.getcolors(maxcolors=100_000)
    assert counted is not None
    colours = {colour for _, colour in counted}
    assert _MARK in colours  # the estimate line is drawn
    assert (0xD8, 0xE8, 0xF8) in colours  # the shaded range


def test_degenerate_inputs_still_give_a_chart() -> None:
    for analogues, band in (([], (0.0, 0.0, 0.0)), ([(0.0, 0.0)], (0.0, 0.0, 0.0))):
        assert _image(estimate_chart(analogues, *band)).width > 0


def test_hour_ticks_start_at_zero_and_cover_the_highest_value() -> None:
    ticks = hour_ticks(137.0)
    assert ticks[0] == 0.0 and ticks[-1] >= 137.0 and len(ticks) <= 6
    assert hour_ticks(0.0)[-1] > 0


def _dark_pixels(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    region = image.crop(box).convert("L")
    histogram = region.histogram()  # 256 grey levels
    return sum(histogram[:128])


def test_the_chart_reads_without_the_table_title_names_hours_band_and_estimate() -> None:
    named = [(42.0, 0.8, "Acme bakery Shopify store"), (18.0, 0.6, "Florist landing page")]
    plain = [(42.0, 0.8), (18.0, 0.6)]
    with_names = _image(estimate_chart(named, 20.0, 35.0, 48.0, title="Estimate for: a shop"))
    numbers_only = _image(estimate_chart(plain, 20.0, 35.0, 48.0, title=""))
    assert with_names.size == numbers_only.size
    width = with_names.width
    title_row, legend_row = (0, 0, width, 26), (0, 26, width, 44)
    assert _dark_pixels(with_names, title_row) > 0 and _dark_pixels(numbers_only, title_row) == 0
    assert _dark_pixels(with_names, legend_row) > 50  # the band's and the estimate's labels
    names = (0, 46, 180, 90)
    assert _dark_pixels(with_names, names) > 3 * _dark_pixels(numbers_only, names)
    # Each bar has its hours written after it, and the axis is labelled under the ticks.
    right_of_bars = (380, 46, width, 90)
    assert _dark_pixels(with_names, right_of_bars) > 20
    assert _dark_pixels(with_names, (0, with_names.height - 20, width, with_names.height)) > 0


def test_long_names_are_shortened_to_fit_and_short_ones_kept() -> None:
    assert shorten("Florist landing page", 170) == "Florist landing page"
    cut = shorten("A very long project name " * 5, 170)
    assert cut.endswith("…") and len(cut) < 60


def _whole(text: str, size: int) -> Image.Image:
    """Pillow's own rendering of the whole string, as the chart drew every label before."""
    font = chart._font(size)
    assert isinstance(font, ImageFont.FreeTypeFont)  # Pillow's built-in font, as the chart's
    mask, _ = font.getmask2(text, mode="L")
    return Image.Image()._new(mask)


def _labels() -> list[str]:
    """What the chart writes (titles, names, hours, legends), and text it was never meant for."""
    from bench._portfolio import BRIEFS

    texts = [chart.hours_label(tenths / 10) for tenths in range(0, 30_000, 37)]
    for brief in BRIEFS:
        texts += [brief, f"Estimate for: {brief}", f"1. {brief[:30]}…", f"  {brief}  "]
    texts += ["80% range: 0.2 h to 14 h", "estimate (P50): 1,250 h", "a  b   c", " x", "x "]
    texts += ["Café Ünïcödé — naïve façade", "ﬁne ﬂow", "emoji 🎨 and 中文 text", "j́ȷ ꞁ"]
    picks = random.Random(7)
    alphabet = string.ascii_letters + string.digits + ".,:;!?()/-–—'\"&%€ éüßñçøÆ"
    texts += [
        "".join(picks.choice(alphabet) for _ in range(picks.randint(1, 70))) for _ in range(1500)
    ]
    return texts


def test_labels_composed_from_cached_words_are_pillows_rendering_byte_for_byte() -> None:
    checked = 0
    for size in (chart._FONT_SIZE, chart._TITLE_SIZE):
        for text in _labels():
            if not text.strip():
                continue
            composed, whole = chart._coverage(text, chart._font(size)), _whole(text, size)
            assert composed.size == whole.size, text
            assert composed.tobytes() == whole.tobytes(), text
            assert chart._length(text, size) == chart._font(size).getlength(text), text
            checked += 1
    assert checked > 3000


def test_a_chart_from_cached_words_is_the_chart_drawn_whole(monkeypatch) -> None:
    bars: list[chart.Bar] = [
        (212.2, 0.70, "Shopify store for a travel agency"),
        (41.7, 0.69, "Wine shop"),
        (3.0, 0.5),
    ]
    arguments = (bars, 41.8, 233.2, 484.8)
    title = "Estimate for: Shopify store for a florist with online booking"
    composed = estimate_chart(*arguments, title=title)
    chart._label.cache_clear()
    chart.shorten.cache_clear()
    monkeypatch.setattr(chart, "_words", lambda text, size: None)  # every label drawn whole
    try:
        assert estimate_chart(*arguments, title=title) == composed
    finally:
        chart._label.cache_clear()
        chart.shorten.cache_clear()
