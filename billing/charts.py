"""Server-rendered SVG charts (a time series and a horizontal bar breakdown), each with a data table.

No JavaScript and no CDN: the SVG scales with its box (viewBox), carries <title>/<desc> for screen
readers, and every chart comes with the same numbers as a table. Pixel maths uses floats; the
numbers shown are the exact Decimals, formatted by billing.display.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from billing.display import format_usd, short_usd

_ids = itertools.count(1)
FONT = 'font-family="system-ui, sans-serif"'


@dataclass(frozen=True)
class Chart:
    """One chart: the SVG markup and the table that says the same thing."""

    title: str
    svg: SafeString
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    empty: bool = False
    kind: str = "series"


def _nice_ceiling(value: float) -> tuple[float, float]:
    """A round axis maximum at or above `value`, and the step between four gridlines."""
    if value <= 0:
        return 1.0, 0.25
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step * 4, step


def _svg_open(width: int, height: int, title: str, desc: str) -> tuple[str, str]:
    uid = next(_ids)
    head = (
        f'<svg class="chart-svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-t{uid} chart-d{uid}" xmlns="http://www.w3.org/2000/svg" {FONT}>'
        f'<title id="chart-t{uid}">{escape(title)}</title><desc id="chart-d{uid}">{escape(desc)}</desc>'
    )
    return head, "</svg>"


def time_series(
    title: str,
    points: Sequence[tuple[dt.date, Decimal]],
    *,
    value_name: str = "Spend",
    fmt: Callable[[Decimal], str] = format_usd,
    axis_fmt: Callable[[float], str] = short_usd,
) -> Chart:
    """An area chart of one value per day, with a y axis, date labels and a hover title per day."""
    rows = [(day.isoformat(), fmt(value)) for day, value in points]
    headers = ("Day", value_name)
    if not points or not any(value for _, value in points):
        return Chart(title, mark_safe(""), headers, rows, empty=True)
    width, height, left, right, top, bottom = 640, 260, 64, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value, step = _nice_ceiling(float(max(value for _, value in points)))
    n = len(points)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(value: Decimal | float) -> float:
        return top + plot_h - plot_h * float(value) / top_value

    total = sum((value for _, value in points), Decimal(0))
    peak_day, peak = max(points, key=lambda p: p[1])
    desc = (
        f"{value_name} per day from {points[0][0]:%d %b %Y} to {points[-1][0]:%d %b %Y}: "
        f"total {fmt(total)}, highest {fmt(peak)} on {peak_day:%d %b}."
    )
    head, tail = _svg_open(width, height, title, desc)
    parts = [head]
    for i in range(5):
        value = step * i
        gy = y(value)
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{gy:.1f}" y2="{gy:.1f}"/>')
        parts.append(
            f'<text class="axis" x="{left - 8}" y="{gy + 5:.1f}" text-anchor="end" font-size="14">'
            f"{escape(axis_fmt(value))}</text>"
        )
    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(points))
    base = f"{x(n - 1):.1f},{y(0):.1f} {x(0):.1f},{y(0):.1f}"
    parts.append(f'<polygon class="area" points="{line} {base}"/>')
    parts.append(f'<polyline class="line" fill="none" points="{line}"/>')
    for i, (day, value) in enumerate(points):
        parts.append(
            f'<circle class="dot" cx="{x(i):.1f}" cy="{y(value):.1f}" r="{3 if n <= 45 else 2}">'
            f"<title>{day:%a %d %b}: {escape(fmt(value))}</title></circle>"
        )
    for i in _label_positions(n, 6):
        anchor = "start" if i == 0 and n > 1 else ("end" if i == n - 1 and n > 1 else "middle")
        parts.append(
            f'<text class="axis" x="{x(i):.1f}" y="{height - 12}" text-anchor="{anchor}" font-size="14">'
            f"{points[i][0]:%d %b}</text>"
        )
    parts.append(tail)
    return Chart(title, mark_safe("".join(parts)), headers, rows)


def _label_positions(n: int, most: int) -> list[int]:
    if n <= most:
        return list(range(n))
    return sorted({round(i * (n - 1) / (most - 1)) for i in range(most)})


def bar_breakdown(
    title: str,
    items: Sequence[tuple[str, Decimal]],
    *,
    value_name: str = "Spend",
    fmt: Callable[[Decimal], str] = format_usd,
    limit: int = 8,
) -> Chart:
    """Horizontal bars, largest first; the label sits above each bar so long names fit on a phone."""
    ordered = sorted(items, key=lambda item: item[1], reverse=True)
    total = sum((value for _, value in ordered), Decimal(0))
    rows = [(label, fmt(value), _share(value, total)) for label, value in ordered]
    headers = ("Name", value_name, "Share")
    if not ordered or not total:
        return Chart(title, mark_safe(""), headers, rows, empty=True, kind="bars")
    shown = list(ordered[:limit])
    if len(ordered) > limit:
        shown.append((f"{len(ordered) - limit} more", sum((v for _, v in ordered[limit:]), Decimal(0))))
    width, row_h, bar_h = 640, 46, 16
    height = row_h * len(shown) + 8
    biggest = float(max(value for _, value in shown)) or 1.0
    desc = "; ".join(f"{label}: {fmt(value)} ({_share(value, total)})" for label, value in shown)
    head, tail = _svg_open(width, height, title, desc)
    parts = [head]
    for i, (label, value) in enumerate(shown):
        top = i * row_h + 4
        bar_w = max(2.0, (width - 4) * float(value) / biggest)
        parts.append(
            f'<text class="label" x="2" y="{top + 15}" font-size="15">{escape(label)}</text>'
            f'<text class="value" x="{width - 2}" y="{top + 15}" text-anchor="end" font-size="15">'
            f"{escape(fmt(value))} · {_share(value, total)}</text>"
            f'<rect class="bar bar-{i % 6}" x="2" y="{top + 22}" width="{bar_w:.1f}" height="{bar_h}" rx="3">'
            f"<title>{escape(label)}: {escape(fmt(value))}</title></rect>"
        )
    parts.append(tail)
    return Chart(title, mark_safe("".join(parts)), headers, rows, kind="bars")


def _share(value: Decimal, total: Decimal) -> str:
    if not total:
        return "–"
    percent = value * 100 / total
    return "<1%" if 0 < percent < 1 else f"{percent:.0f}%"
