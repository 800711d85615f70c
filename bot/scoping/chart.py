"""The estimate as a small PNG a person reads on its own, without the reply's table.

A title; one bar per similar past project, named (shortened to fit) and labelled with its
actual hours; the 80% range shaded and the estimate (P50) drawn as a red line, both named with
their hours in a legend under the title; hour ticks with an axis label.

Drawn with Pillow straight onto a palette of a few colours: the picture is a handful of
rectangles, a line and some labels, so a plotting library's figure, artists and layout engine
cost many times the drawing itself (measured in ``bench/chart.py``; see bench/README.md).
Pure and without global state: charts can be drawn from worker threads concurrently.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

WIDTH = 600  # pixels
_ROW = 22  # pixels per bar (the bar is 80% of it)
_TITLE_Y = 8
_LEGEND_Y = 28
_TOP = 46  # the plot starts under the title and the legend
_BOTTOM = 44  # room for the hour ticks and the axis label
_NAME_WIDTH = 170  # pixels for a bar's name, left of the plot
_LEFT, _RIGHT = _NAME_WIDTH + 14, WIDTH - 56  # room right of the plot for an hours label
TITLE = "Actual hours of similar past projects"
_BAND = (0xD8, 0xE8, 0xF8)
_MARK = (0xC0, 0x39, 0x2B)
_AXIS = (0x55, 0x55, 0x55)
_TEXT = (0x22, 0x22, 0x22)
_BAR = (0x29, 0x61, 0x9E)  # a muted blue; more similar = more opaque
_FONT_SIZE = 11
_TITLE_SIZE = 14


def hour_ticks(highest: float) -> list[float]:
    """Round hour ticks from 0 up to at least ``highest`` (at most five, steps of 1, 2, 2.5 or 5
    times a power of ten)."""
    top = highest if highest > 0 and math.isfinite(highest) else 1.0
    rough = top / 4
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)
    count = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


@functools.lru_cache(maxsize=2)
def _font(size: int = _FONT_SIZE) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


# Module-level on purpose: pure in (text, width, size) with the built-in font, bounded.
@functools.lru_cache(maxsize=512)
def shorten(text: str, width: float, size: int = _FONT_SIZE) -> str:
    """``text`` cut with an ellipsis to fit ``width`` pixels (whole when it fits)."""
    text = " ".join(text.split())
    if _length(text, size) <= width:
        return text
    low, high = 0, len(text)  # the longest prefix that fits with the ellipsis
    while low < high:
        middle = (low + high + 1) // 2
        if _length(text[:middle].rstrip() + "…", size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


def hours_label(hours: float) -> str:
    return f"{hours:,.0f} h" if hours >= 10 else f"{hours:,.1f} h".replace(".0 h", " h")


Colour = tuple[int, int, int]


def _blend(colour: Colour, over: Colour, alpha: float) -> Colour:
    r, g, b = (round(alpha * c + (1 - alpha) * o) for c, o in zip(colour, over, strict=True))
    return r, g, b


class _Palette:
    """Palette indices for the chart's colours: PNG-encoding one byte per pixel instead of
    three is most of the chart's speed (bench/README.md, `chart.py`, has the figures)."""

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


_SHADE = [round(v * _TEXT_SHADES / 255) for v in range(256)]  # coverage -> shade 0.._TEXT_SHADES
# Byte tables for bytes.translate: Image.point re-rounds its table in Python on every call.
_SHADE_INDICES = bytes(_SHADES_FROM + s - 1 if s else 0 for s in _SHADE)
_SHADE_MASK = bytes(255 if s else 0 for s in _SHADE)


@functools.lru_cache(maxsize=4096)
def _word(word: str, size: int) -> tuple[np.ndarray, int, int, float] | None:
    """One space-free piece of text as (coverage rows, ink offset x, y, advance), rendered once;
    ``None`` when the font cannot lay it out in whole pixels (then the text is drawn whole).

    Words recur across charts far more than whole labels do (every title and legend names a
    new brief or new hours), and FreeType lays a string out glyph by glyph on every call."""
    font = _font(size)
    if not isinstance(font, ImageFont.FreeTypeFont):
        return None
    advance = font.getlength(word)
    if advance != int(advance):
        return None
    mask, (x, y) = font.getmask2(word, mode="L")
    width, height = mask.size
    rows = np.frombuffer(bytes(mask), dtype=np.uint8).reshape(height, width)
    rows.flags.writeable = False  # shared between threads and charts
    return rows, x, y, advance


def _words(text: str, size: int) -> list[tuple[np.ndarray, int, int]] | None:
    """``text``'s words with their ink boxes' left and top in the line (pen positions as
    FreeType's basic layout puts them: the built-in font has whole-pixel advances and no kerning
    across a space); ``None`` when some word cannot be placed so."""
    space = _word(" ", size)
    if space is None:
        return None
    placed: list[tuple[np.ndarray, int, int]] = []
    pen = 0
    for number, word in enumerate(text.split(" ")):
        if number:
            pen += int(space[3])
        if not word:
            continue
        piece = _word(word, size)
        if piece is None:
            return None
        rows, x, y, advance = piece
        placed.append((rows, pen + x, y))
        pen += int(advance)
    placed.append((np.zeros((0, 0), np.uint8), pen, 0))  # the box spans the whole advance
    return placed


def _length(text: str, size: int = _FONT_SIZE) -> float:
    """``text``'s advance in pixels, as ``font.getlength`` measures it, from cached words."""
    placed = _words(text, size) if text else None
    return float(placed[-1][1]) if placed is not None else _font(size).getlength(text)


def _coverage(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> Image.Image:
    """The anti-aliased coverage of ``text``, cropped to its ink box.

    Composed from cached words (each glyph's ink kept where words overlap, as FreeType's own
    rendering does): a test checks it byte for byte against Pillow's rendering of the whole
    string. Text that cannot be composed so is rendered whole."""
    size = int(font.size) if isinstance(font, ImageFont.FreeTypeFont) else 0
    placed = _words(text, size) if size and text.strip(" ") and font is _font(size) else None
    inked = [piece for piece in placed or () if piece[0].size]
    if placed is not None and inked:
        x0 = min(0, *(x for _, x, _ in inked))
        x1 = max(placed[-1][1], *(x + rows.shape[1] for rows, x, _ in inked))
        y0 = min(y for _, _, y in inked)
        y1 = max(y + rows.shape[0] for rows, _, y in inked)
        line = np.zeros((y1 - y0, x1 - x0), np.uint8)
        for rows, x, y in inked:
            region = line[y - y0 : y - y0 + rows.shape[0], x - x0 : x - x0 + rows.shape[1]]
            np.maximum(region, rows, out=region)
        return Image.frombytes("L", (line.shape[1], line.shape[0]), line.tobytes())
    if isinstance(font, ImageFont.FreeTypeFont):
        mask, _ = font.getmask2(text, mode="L")
        if mask.size[0] >= 1 and mask.size[1] >= 1:
            return Image.Image()._new(mask)
    left, top, right, lower = font.getbbox(text)
    box = (int(max(right - left, 1)), int(max(lower - top, 1)))
    coverage = Image.new("L", box, 0)
    ImageDraw.Draw(coverage).text((-left, -top), text, fill=255, font=font)
    return coverage


@functools.lru_cache(maxsize=512)
def _label(text: str, size: int = _FONT_SIZE) -> tuple[Image.Image, Image.Image]:
    """``text`` as (palette image, mask), rendered once: the same few labels recur.

    Each anti-aliased pixel becomes one of ``_TEXT_SHADES`` shades of the text colour (palette
    indices from ``_SHADES_FROM``); the mask keeps the background out when pasted. Pasting never
    changes these images, so threads can share them.
    """
    coverage = _coverage(text, _font(size))
    pixels = coverage.tobytes()
    indices = Image.frombytes("P", coverage.size, pixels.translate(_SHADE_INDICES))
    return indices, Image.frombytes("L", coverage.size, pixels.translate(_SHADE_MASK))


def _place(
    image: Image.Image, text: str, at: tuple[float, float], anchor: str, size: int = _FONT_SIZE
) -> int:
    """Paste a label; ``anchor`` as Pillow's: r/m/l horizontally, m/t vertically. Returns the
    label's width."""
    label, mask = _label(text, size)
    width, height = label.size
    x = at[0] - {"l": 0, "m": width / 2, "r": width}[anchor[0]]
    y = at[1] - {"t": 0, "m": height / 2}[anchor[1]]
    image.paste(label, (round(x), round(y)), mask)
    return width


Bar = tuple[float, float] | tuple[float, float, str]


def estimate_chart(
    analogues: Sequence[Bar],
    p10: float,
    p50: float,
    p90: float,
    *,
    title: str = TITLE,
    coverage: float = 0.8,
) -> bytes:
    """``analogues`` are (actual hours, similarity[, name]), closest first. Returns PNG bytes.

    A bar without a name is labelled with its row number (as in the reply's table).
    """
    count = max(len(analogues), 1)
    height = _TOP + _BOTTOM + _ROW * count
    bottom = height - _BOTTOM  # the axis line
    ticks = hour_ticks(max([p90, p50, *(bar[0] for bar in analogues)]))
    span = ticks[-1] if ticks[-1] > 0 else 1.0

    def x(hours: float) -> int:
        share = max(0.0, min(hours, span)) / span if math.isfinite(hours) else 0.0
        return round(_LEFT + (_RIGHT - _LEFT) * share)

    colour = _Palette()
    image = Image.new("P", (WIDTH, height), colour(_WHITE))  # index 0
    # Shade n of the text colour at palette index _SHADES_FROM + n - 1, as the labels expect.
    colour.run([_blend(_TEXT, _WHITE, n / _TEXT_SHADES) for n in range(1, _TEXT_SHADES + 1)])
    draw = ImageDraw.Draw(image)
    _place(image, shorten(title, WIDTH - 16, _TITLE_SIZE), (8, _TITLE_Y), "lt", _TITLE_SIZE)
    # The legend names the band and the line with their hours.
    legend_x = 8
    draw.rectangle((legend_x, _LEGEND_Y + 1, legend_x + 14, _LEGEND_Y + 11), fill=colour(_BAND))
    legend_x += 20
    band_text = f"{coverage:.0%} range: {hours_label(p10)} to {hours_label(p90)}"
    legend_x += _place(image, band_text, (legend_x, _LEGEND_Y + 6), "lm") + 18
    draw.rectangle((legend_x + 6, _LEGEND_Y, legend_x + 8, _LEGEND_Y + 12), fill=colour(_MARK))
    _place(image, f"estimate (P50): {hours_label(p50)}", (legend_x + 16, _LEGEND_Y + 6), "lm")
    band = (x(p10), _TOP, x(p90), bottom - 1)
    draw.rectangle(band, fill=colour(_BAND))
    bar_height = round(_ROW * 0.8)
    for index, bar in enumerate(analogues):
        hours, similarity = bar[0], bar[1]
        name = bar[2] if len(bar) > 2 else ""
        y = _TOP + _ROW * index + round(_ROW * 0.1)
        middle = y + bar_height / 2
        # 32 opacity steps keep the palette small however many bars there are.
        alpha = 0.2 + 0.5 * round(32 * max(0.0, min(1.0, similarity))) / 32
        end = x(hours)
        # The bar is translucent: lighter where it crosses white, darker over the band.
        draw.rectangle((_LEFT, y, end, y + bar_height), fill=colour(_blend(_BAR, _WHITE, alpha)))
        inside = (max(_LEFT, band[0]), y, min(end, band[2]), y + bar_height)
        if inside[0] <= inside[2]:
            draw.rectangle(inside, fill=colour(_blend(_BAR, _BAND, alpha)))
        label = shorten(f"{index + 1}. {name}" if name else str(index + 1), _NAME_WIDTH)
        _place(image, label, (_LEFT - 6, middle), "rm")
        _place(image, hours_label(hours), (end + 4, middle), "lm")
    draw.line((_LEFT, bottom, _RIGHT, bottom), fill=colour(_AXIS), width=1)
    for value in ticks:
        draw.line((x(value), bottom, x(value), bottom + 4), fill=colour(_AXIS), width=1)
        _place(image, f"{value:g}", (x(value), bottom + 7), "mt")
    _place(image, "actual hours", ((_LEFT + _RIGHT) / 2, bottom + 24), "mt")
    draw.rectangle((x(p50) - 1, _TOP, x(p50) + 1, bottom - 1), fill=colour(_MARK))
    image.putpalette(colour.flat())
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
