"""The `/stats` chart (claims per day) and the `/insights` chart (orders per day and their
forecast) as PNG bar charts, drawn with Pillow.

Drawn for a phone screen (800×400, large type, one colour) and headless: it needs no
display and no font files, only Pillow's bundled default font (scalable since Pillow
10.1).  The same figures give the same bytes (no timestamps or metadata are written),
so a chart can be cached or compared by its hash.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from babel.dates import format_date, format_skeleton
from PIL import Image, ImageDraw, ImageFont

from bot.services.stats import ShopStats

WIDTH, HEIGHT = 800, 400
BACKGROUND = (255, 255, 255)
INK = (33, 37, 41)
MUTED = (108, 117, 125)
GRID = (222, 226, 230)
BAR = (238, 29, 82)  # the shop-app accent; readable on white in light and dark mode
TITLE_SIZE, LABEL_SIZE, VALUE_SIZE = 24, 15, 15

# Plot area inside the image: room for the title above, the y scale on the left and
# two rows of day labels below.
LEFT, RIGHT, TOP, BOTTOM = 56, WIDTH - 24, 88, HEIGHT - 58

FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _font(size: int) -> FontType:
    return ImageFont.load_default(size=size)


def _nice_step(peak: int) -> int:
    """A grid step of 1, 2 or 5 × 10ⁿ giving at most 5 lines up to `peak`."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if peak / (step * factor) <= 5:
                return step * factor
        step *= 10


def _centered(
    draw: ImageDraw.ImageDraw, x: float, y: float, text: str, font: FontType, fill: tuple[int, ...]
) -> None:
    draw.text((x, y), text, font=font, fill=fill, anchor="mt")


def _fit(draw: ImageDraw.ImageDraw, text: str, font: FontType, width: float) -> str:
    """`text`, cut with an ellipsis to fit `width` (a long shop name must not run off)."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _day_labels(days: list[date], language: str = "en") -> tuple[list[str], list[str]]:
    """Per bar: the day label, and a month label where a month starts (or at the first
    bar).  A week fits "Mon 12" ("lun 12"); a month only fits the day number.  Names
    of days and months come from Babel in the reader's language."""
    short = len(days) <= 10
    top = [format_date(d, "EEE dd", locale=language) if short else str(d.day) for d in days]
    bottom = [
        format_date(d, "LLL", locale=language)
        if (i == 0 or d.day == 1 or d.month != days[i - 1].month)
        else ""
        for i, d in enumerate(days)
    ]
    return top, bottom


def _value_axis(draw: ImageDraw.ImageDraw, peak: int, font: FontType) -> Callable[[float], float]:
    """Draw the value axis (grid lines at a round step, up to the first one at or above
    `peak`, labelled on the left) and return the y of a value on it."""
    step = _nice_step(max(peak, 1))
    top_value = max(step, -(-max(peak, 1) // step) * step)  # the grid line above the peak
    plot_height = BOTTOM - TOP

    def y_of(value: float) -> float:
        return BOTTOM - plot_height * value / top_value

    for mark in range(0, top_value + 1, step):
        y = y_of(mark)
        draw.line([(LEFT, y), (RIGHT, y)], fill=GRID if mark else MUTED, width=1)
        draw.text((LEFT - 8, y), str(mark), font=font, fill=MUTED, anchor="rm")
    return y_of


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def render_claims_chart(
    stats: ShopStats, *, title: str | None = None, language: str = "en"
) -> bytes:
    """Claims per day of `stats` as PNG bytes.  `title` comes from the caller (the
    chat's catalog, so it is in the reader's language); without it the shop's name and
    the dates are shown.  Day and month names are in `language`."""
    if title is None:
        start, end = (format_skeleton("MMMd", d, locale=language) for d in (stats.start, stats.end))
        span = f"{start} – {end}"
        title = f"{stats.shop.name}: {span}"
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    title_font, label_font, value_font = _font(TITLE_SIZE), _font(LABEL_SIZE), _font(VALUE_SIZE)

    draw.text((LEFT, 18), _fit(draw, title, title_font, RIGHT - LEFT), font=title_font, fill=INK)

    counts = [d.count for d in stats.per_day]
    y_of = _value_axis(draw, max(counts, default=0), label_font)

    slots = max(len(counts), 1)
    slot = (RIGHT - LEFT) / slots
    bar_width = max(slot * 0.7, 2)
    tops, months = _day_labels([d.day for d in stats.per_day], language)
    for i, count in enumerate(counts):
        center = LEFT + slot * (i + 0.5)
        if count:
            y = y_of(count)
            draw.rectangle(
                [(center - bar_width / 2, y), (center + bar_width / 2, BOTTOM - 1)], fill=BAR
            )
            _centered(draw, center, y - VALUE_SIZE - 4, str(count), value_font, INK)
        _centered(draw, center, BOTTOM + 8, tops[i], label_font, INK)
        if months[i]:
            _centered(draw, center, BOTTOM + 8 + LABEL_SIZE + 6, months[i], label_font, MUTED)

    return _png(image)


FORECAST_BAR = (246, 164, 186)  # the accent, lighter: what is expected, not what happened


def _week_labels(days: list[date], language: str) -> tuple[list[str], list[str]]:
    """For a long run of days: the day number on Mondays only, and the month's name
    where a month starts (or at the first bar)."""
    top = [str(d.day) if d.weekday() == 0 else "" for d in days]
    bottom = [
        format_date(d, "LLL", locale=language) if (i == 0 or d.month != days[i - 1].month) else ""
        for i, d in enumerate(days)
    ]
    return top, bottom


def render_demand_chart(
    *,
    first_day: date,
    history: Sequence[int],
    forecast: Sequence[float],
    title: str,
    legend: tuple[str, str],
    language: str = "en",
) -> bytes:
    """Orders per day as bars from `first_day`, then the forecast's days in a lighter
    colour behind a dashed line at today.  `legend` is (orders, forecast) in the
    reader's language.  Same figures, same bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    title_font, label_font = _font(TITLE_SIZE), _font(LABEL_SIZE)
    draw.text((LEFT, 18), _fit(draw, title, title_font, RIGHT - LEFT), font=title_font, fill=INK)

    # Legend under the title: a swatch and its word, for each colour.
    x = float(LEFT)
    for colour, word in zip((BAR, FORECAST_BAR), legend, strict=True):
        draw.rectangle([(x, 56), (x + 14, 70)], fill=colour)
        draw.text((x + 20, 63), word, font=label_font, fill=INK, anchor="lm")
        x += 20 + draw.textlength(word, font=label_font) + 24

    values = [float(v) for v in history] + [float(v) for v in forecast]
    y_of = _value_axis(draw, math.ceil(max(values, default=0.0)), label_font)

    slots = max(len(values), 1)
    slot = (RIGHT - LEFT) / slots
    bar_width = max(slot * 0.7, 1)
    days = [first_day + timedelta(days=i) for i in range(len(values))]
    tops, months = _week_labels(days, language)
    for i, value in enumerate(values):
        center = LEFT + slot * (i + 0.5)
        if value > 0:
            colour = BAR if i < len(history) else FORECAST_BAR
            draw.rectangle(
                [(center - bar_width / 2, y_of(value)), (center + bar_width / 2, BOTTOM - 1)],
                fill=colour,
            )
        if tops[i]:
            _centered(draw, center, BOTTOM + 8, tops[i], label_font, INK)
        if months[i]:
            _centered(draw, center, BOTTOM + 8 + LABEL_SIZE + 6, months[i], label_font, MUTED)

    # Today: a dashed line between the last day counted and the first forecast day.
    today_x = LEFT + slot * len(history)
    dash = float(TOP)
    while dash < BOTTOM:
        draw.line([(today_x, dash), (today_x, min(dash + 6, BOTTOM))], fill=MUTED, width=2)
        dash += 12

    return _png(image)
