"""Server-rendered SVG charts: a daily time series (with a data table) and a horizontal bar breakdown.

No JavaScript and no CDN: the SVG scales with its box (viewBox) and carries <title>/<desc> for screen
readers; the series comes with the same numbers as a table, and the bars are a plain list with text. Pixel maths uses floats; the
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
    rows: Sequence[tuple[str, ...]] = field(default_factory=list)
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


def _svg_open(width: int, height: int, title: str, desc: str, css: str = "") -> tuple[str, str]:
    uid = next(_ids)
    head = (
        f'<svg class="chart-svg {css}" viewBox="0 0 {width} {height}" role="img" '
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
    """An area chart of one value per day, drawn twice: wide for a full card, compact for a phone or a
    half card (CSS container queries pick one), so axis text stays readable at every width."""
    rows = [(day.isoformat(), fmt(value)) for day, value in points]
    headers = ("Day", value_name)
    if not points or not any(value for _, value in points):
        return Chart(title, mark_safe(""), headers, rows, empty=True)
    total = sum((value for _, value in points), Decimal(0))
    peak_day, peak = max(points, key=lambda p: p[1])
    desc = (
        f"{value_name} per day from {points[0][0]:%d %b %Y} to {points[-1][0]:%d %b %Y}: "
        f"total {fmt(total)}, highest {fmt(peak)} on {peak_day:%d %b}."
    )
    wide = _series_svg(points, title, desc, fmt, axis_fmt, width=960, font=13, labels=8, css="wide")
    compact = _series_svg(points, title, desc, fmt, axis_fmt, width=440, font=15, labels=4, css="compact")
    return Chart(title, mark_safe(wide + compact), headers, rows)


def _series_svg(
    points: Sequence[tuple[dt.date, Decimal]],
    title: str,
    desc: str,
    fmt: Callable[[Decimal], str],
    axis_fmt: Callable[[float], str],
    *,
    width: int,
    font: int,
    labels: int,
    css: str,
) -> str:
    height, left, right, top, bottom = 250, 8 + font * 4, 14, 12, font + 24
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value, step = _nice_ceiling(float(max(value for _, value in points)))
    n = len(points)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(value: Decimal | float) -> float:
        return top + plot_h - plot_h * float(value) / top_value

    head, tail = _svg_open(width, height, title, desc, css)
    parts = [head]
    for i in range(5):
        gy = y(step * i)
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{gy:.1f}" y2="{gy:.1f}"/>')
        parts.append(
            f'<text class="axis" x="{left - 6}" y="{gy + font / 3:.1f}" text-anchor="end" font-size="{font}">'
            f"{escape(axis_fmt(step * i))}</text>"
        )
    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(points))
    parts.append(f'<polygon class="area" points="{line} {x(n - 1):.1f},{y(0):.1f} {x(0):.1f},{y(0):.1f}"/>')
    parts.append(f'<polyline class="line" fill="none" points="{line}"/>')
    radius = 3 if n * 8 <= plot_w else 1.5
    for i, (day, value) in enumerate(points):
        parts.append(
            f'<circle class="dot" cx="{x(i):.1f}" cy="{y(value):.1f}" r="{radius}">'
            f"<title>{day:%a %d %b}: {escape(fmt(value))}</title></circle>"
        )
    for i in _label_positions(n, labels):
        anchor = "start" if i == 0 and n > 1 else ("end" if i == n - 1 and n > 1 else "middle")
        parts.append(
            f'<text class="axis" x="{x(i):.1f}" y="{height - 8}" text-anchor="{anchor}" font-size="{font}">'
            f"{points[i][0]:%d %b}</text>"
        )
    parts.append(tail)
    return "".join(parts)


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
    """Horizontal bars, largest first: an HTML list (so the text reflows and reads like any text on a
    phone or to a screen reader) with an SVG bar under each label. The rest beyond `limit` is one line."""
    ordered = sorted(items, key=lambda item: item[1], reverse=True)
    total = sum((value for _, value in ordered), Decimal(0))
    rows = [(label, fmt(value), _share(value, total)) for label, value in ordered]
    headers = ("Name", value_name, "Share")
    if not ordered or not total:
        return Chart(title, mark_safe(""), headers, rows, empty=True, kind="bars")
    shown = ordered[:limit]
    biggest = float(shown[0][1]) or 1.0
    parts = [f'<ol class="bars" aria-label="{escape(title)}">']
    for label, value in shown:
        percent = max(0.5, 100 * float(value) / biggest)
        parts.append(
            f'<li><span class="bar-label">{escape(label)}</span>'
            f'<span class="bar-value">{escape(fmt(value))} · {_share(value, total)}</span>'
            f'<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">'
            f'<rect width="{percent:.2f}" height="10" rx="1.5"/></svg></li>'
        )
    if len(ordered) > limit:
        rest = sum((value for _, value in ordered[limit:]), Decimal(0))
        parts.append(
            f'<li class="bar-rest"><span class="bar-label">{len(ordered) - limit} more</span>'
            f'<span class="bar-value">{escape(fmt(rest))} · {_share(rest, total)}</span></li>'
        )
    parts.append("</ol>")
    return Chart(title, mark_safe("".join(parts)), headers, rows, kind="bars")


def _share(value: Decimal, total: Decimal) -> str:
    if not total:
        return "–"
    percent = value * 100 / total
    return "<1%" if 0 < percent < 1 else f"{percent:.0f}%"


SERIES_COLOURS = 6  # .seg-0 … .seg-5 in billing.css: the top five models and "other"


def stacked_days(
    title: str,
    days: Sequence[tuple[dt.date, dict[str, Decimal]]],
    labels: dict[str, str],
    *,
    headers: tuple[str, str],
    fmt: Callable[[Decimal], str] = format_usd,
    axis_fmt: Callable[[float], str] = short_usd,
) -> Chart:
    """One bar a day, stacked by series (in `labels`' order), with a legend; the table (Day, each series,
    Total; `headers` names the first and last column) carries the same exact numbers for screen readers."""
    keys = list(labels)
    totals = [sum(parts.values(), Decimal(0)) for _, parts in days]
    rows = [
        (day.isoformat(), *(fmt(parts[k]) for k in keys), fmt(total))
        for (day, parts), total in zip(days, totals, strict=True)
    ]
    table_headers = (headers[0], *(labels[k] for k in keys), headers[1])
    if not days or not any(totals):
        return Chart(title, mark_safe(""), table_headers, rows, empty=True, kind="stacked")
    desc = f"{title}: {', '.join(labels.values())}. Total {fmt(sum(totals, Decimal(0)))}."
    drawn = [
        _stacked_svg(days, totals, labels, title, desc, fmt, axis_fmt, width=960, font=13, marks=8, css="wide"),
        _stacked_svg(days, totals, labels, title, desc, fmt, axis_fmt, width=440, font=15, marks=4, css="compact"),
    ]
    legend = "".join(
        f'<li><span class="swatch seg-{i % SERIES_COLOURS}" aria-hidden="true"></span>{escape(labels[k])}</li>'
        for i, k in enumerate(keys)
    )
    svg = "".join(drawn) + f'<ul class="legend">{legend}</ul>'
    return Chart(title, mark_safe(svg), table_headers, rows, kind="stacked")


def _stacked_svg(
    days: Sequence[tuple[dt.date, dict[str, Decimal]]],
    totals: list[Decimal],
    labels: dict[str, str],
    title: str,
    desc: str,
    fmt: Callable[[Decimal], str],
    axis_fmt: Callable[[float], str],
    *,
    width: int,
    font: int,
    marks: int,
    css: str,
) -> str:
    height, left, right, top, bottom = 250, 8 + font * 4, 14, 12, font + 24
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value, step = _nice_ceiling(float(max(totals)))
    slot = plot_w / len(days)
    head, tail = _svg_open(width, height, title, desc, f"stacked {css}")
    parts = [head]
    for i in range(5):
        gy = top + plot_h - plot_h * step * i / top_value
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{gy:.1f}" y2="{gy:.1f}"/>')
        parts.append(
            f'<text class="axis" x="{left - 6}" y="{gy + font / 3:.1f}" text-anchor="end" font-size="{font}">'
            f"{escape(axis_fmt(step * i))}</text>"
        )
    for n, (day, values) in enumerate(days):
        base = float(top + plot_h)
        for index, key in enumerate(labels):
            h = plot_h * float(values[key]) / top_value
            if h <= 0:
                continue
            base -= h
            parts.append(
                f'<rect class="seg-{index % SERIES_COLOURS}" x="{left + n * slot + slot * 0.1:.1f}" y="{base:.1f}" '
                f'width="{slot * 0.8:.1f}" height="{h:.1f}"><title>{day:%d %b} · {escape(labels[key])}: '
                f"{escape(fmt(values[key]))}</title></rect>"
            )
    for i in _label_positions(len(days), marks):
        parts.append(
            f'<text class="axis" x="{left + (i + 0.5) * slot:.1f}" y="{height - 8}" text-anchor="middle" '
            f'font-size="{font}">{days[i][0]:%d %b}</text>'
        )
    parts.append(tail)
    return "".join(parts)
