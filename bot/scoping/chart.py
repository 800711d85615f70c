"""The estimate as a small PNG: each analogue's actual hours, the 80% range shaded, P50 marked.

Drawn with Pillow straight onto a palette of a few colours: the picture is a handful of
rectangles, a line and some numbers, so a plotting library's figure, artists and layout engine
cost far more than the drawing itself (matplotlib took 3–7 ms a chart even without an
``Axes``; this takes well under one). Each bar carries its row number from the reply's table,
so the key lives in the image's title and alt text rather than inside the picture.
Pure and without global state: charts can be drawn from worker threads concurrently.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

WIDTH = 480  # pixels
_ROW = 22  # pixels per bar (the bar is 80% of it)
_TOP = 8
_BOTTOM = 26  # room for the hour ticks
_LEFT, _RIGHT = 28, WIDTH - 24  # row numbers left of the plot, the unit right of it
_BAND = (0xD8, 0xE8, 0xF8)
_MARK = (0xC0, 0x39, 0x2B)
_AXIS = (0x55, 0x55, 0x55)
_TEXT = (0x22, 0x22, 0x22)
_BAR = (0x29, 0x61, 0x9E)  # a muted blue; more similar = more opaque
_FONT_SIZE = 11


def hour_ticks(highest: float) -> list[float]:
    """Round hour ticks from 0 up to at least ``highest`` (at most five, steps of 1, 2, 2.5 or 5
    times a power of ten)."""
    top = highest if highest > 0 and math.isfinite(highest) else 1.0
    rough = top / 4
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)
    count = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


@functools.lru_cache(maxsize=1)
def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=_FONT_SIZE)


Colour = tuple[int, int, int]


def _blend(colour: Colour, over: Colour, alpha: float) -> Colour:
    r, g, b = (round(alpha * c + (1 - alpha) * o) for c, o in zip(colour, over, strict=True))
    return r, g, b


class _Palette:
    """Palette indices for the chart's colours: PNG-encoding one byte per pixel instead of
    three is most of the speed (a 480-pixel-wide RGB chart took 2.2 ms to encode, this 0.3)."""

    def __init__(self) -> None:
        self.colours: list[Colour] = []
        self._index: dict[Colour, int] = {}

    def __call__(self, colour: Colour) -> int:
        if colour not in self._index:
            self._index[colour] = len(self.colours)
            self.colours.append(colour)
        return self._index[colour]

    def run(self, colours: Sequence[Colour]) -> int:
        """Append ``colours`` as consecutive indices (no sharing); returns the first index."""
        first = len(self.colours)
        self.colours.extend(colours)
        return first

    def flat(self) -> list[int]:
        return [channel for colour in self.colours for channel in colour]


_WHITE: Colour = (255, 255, 255)
_TEXT_SHADES = 15  # anti-aliased text: this many shades between white and the text colour
_SHADES_FROM = 1  # palette index of the lightest shade (white is 0); see estimate_chart


@functools.lru_cache(maxsize=512)
def _label(text: str) -> tuple[Image.Image, Image.Image]:
    """``text`` as (palette image, mask), rendered once: the same few labels recur.

    Each anti-aliased pixel becomes one of ``_TEXT_SHADES`` shades of the text colour (palette
    indices from ``_SHADES_FROM``); the mask keeps the background out when pasted. Pasting never
    changes these images, so threads can share them.
    """
    font = _font()
    left, top, right, lower = font.getbbox(text)
    size = (int(max(right - left, 1)), int(max(lower - top, 1)))
    coverage = Image.new("L", size, 0)
    ImageDraw.Draw(coverage).text((-left, -top), text, fill=255, font=font)
    shade = [round(v * _TEXT_SHADES / 255) for v in range(256)]
    indices = coverage.point([_SHADES_FROM + s - 1 if s else 0 for s in shade])
    mask = coverage.point([255 if s else 0 for s in shade])
    return Image.frombytes("P", size, indices.tobytes()), mask


def _place(image: Image.Image, text: str, at: tuple[float, float], anchor: str) -> None:
    """Paste a label; ``anchor`` as Pillow's: r/m/l horizontally, m/t vertically."""
    label, mask = _label(text)
    width, height = label.size
    x = at[0] - {"l": 0, "m": width / 2, "r": width}[anchor[0]]
    y = at[1] - {"t": 0, "m": height / 2}[anchor[1]]
    image.paste(label, (round(x), round(y)), mask)


def estimate_chart(
    analogues: Sequence[tuple[float, float]], p10: float, p50: float, p90: float
) -> bytes:
    """``analogues`` are (actual hours, similarity), closest first. Returns PNG bytes.

    Bar ``n`` (from the top) is the ``n``-th row of the analogue table.
    """
    count = max(len(analogues), 1)
    height = _TOP + _BOTTOM + _ROW * count
    bottom = height - _BOTTOM  # the axis line
    ticks = hour_ticks(max([p90, p50, *(hours for hours, _ in analogues)]))
    span = ticks[-1] if ticks[-1] > 0 else 1.0

    def x(hours: float) -> int:
        share = max(0.0, min(hours, span)) / span if math.isfinite(hours) else 0.0
        return round(_LEFT + (_RIGHT - _LEFT) * share)

    colour = _Palette()
    image = Image.new("P", (WIDTH, height), colour(_WHITE))  # index 0
    # Shade n of the text colour at palette index _SHADES_FROM + n - 1, as the labels expect.
    colour.run([_blend(_TEXT, _WHITE, n / _TEXT_SHADES) for n in range(1, _TEXT_SHADES + 1)])
    draw = ImageDraw.Draw(image)
    band = (x(p10), _TOP, x(p90), bottom - 1)
    draw.rectangle(band, fill=colour(_BAND))
    bar_height = round(_ROW * 0.8)
    for index, (hours, similarity) in enumerate(analogues):
        y = _TOP + _ROW * index + round(_ROW * 0.1)
        # 32 opacity steps keep the palette small however many bars there are.
        alpha = 0.2 + 0.5 * round(32 * max(0.0, min(1.0, similarity))) / 32
        end = x(hours)
        # The bar is translucent: lighter where it crosses white, darker over the band.
        draw.rectangle((_LEFT, y, end, y + bar_height), fill=colour(_blend(_BAR, _WHITE, alpha)))
        inside = (max(_LEFT, band[0]), y, min(end, band[2]), y + bar_height)
        if inside[0] <= inside[2]:
            draw.rectangle(inside, fill=colour(_blend(_BAR, _BAND, alpha)))
        _place(image, str(index + 1), (_LEFT - 5, y + bar_height / 2), "rm")
    draw.line((_LEFT, bottom, _RIGHT, bottom), fill=colour(_AXIS), width=1)
    for value in ticks:
        draw.line((x(value), bottom, x(value), bottom + 4), fill=colour(_AXIS), width=1)
        _place(image, f"{value:g}", (x(value), bottom + 7), "mt")
    _place(image, "h", (_RIGHT + 6, bottom), "lm")
    draw.rectangle((x(p50) - 1, _TOP, x(p50) + 1, bottom - 1), fill=colour(_MARK))
    image.putpalette(colour.flat())
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
