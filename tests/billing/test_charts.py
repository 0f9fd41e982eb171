"""SVG charts: accessible titles, escaped labels, helpful empty states, tables that match the drawing."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from billing.charts import bar_breakdown, time_series


def _days(*values: str):
    start = dt.date(2026, 11, 1)
    return [(start + dt.timedelta(days=i), Decimal(v)) for i, v in enumerate(values)]


def test_time_series_has_a_title_a_description_and_a_data_table():
    chart = time_series("Spend per day", _days("0", "1.5", "0.25"))
    assert not chart.empty
    assert '<title id="chart-t' in chart.svg and "total $1.75, highest $1.50 on 02 Nov" in chart.svg
    assert 'role="img"' in chart.svg
    assert chart.rows == [("2026-11-01", "$0.00"), ("2026-11-02", "$1.50"), ("2026-11-03", "$0.2500")]


def test_time_series_draws_a_wide_and_a_compact_version():
    chart = time_series("Spend", _days("1", "2"))
    assert chart.svg.count("<svg") == 2
    assert 'class="chart-svg wide"' in chart.svg and 'class="chart-svg compact"' in chart.svg


def _value_axis(svg: str) -> list[str]:
    """The wide chart's value-axis labels, bottom to top."""
    return re.findall(r'<text class="axis"[^>]*text-anchor="end"[^>]*>([^<]*)</text>', svg)[:5]


def test_axis_labels_of_a_tiny_spend_are_distinct_amounts_not_all_zero():
    assert _value_axis(time_series("Spend", _days("0", "0.000015")).svg) == [
        "$0",
        "$0.000005",
        "$0.00001",
        "$0.000015",
        "$0.00002",
    ]
    assert _value_axis(time_series("Spend", _days("0", "0.03")).svg) == ["$0", "$0.01", "$0.02", "$0.03", "$0.04"]


def test_a_quiet_period_is_an_empty_chart_not_a_flat_line():
    assert time_series("Spend", _days("0", "0")).empty
    assert time_series("Spend", []).empty
    assert bar_breakdown("By model", []).empty


def test_bar_labels_are_escaped():
    chart = bar_breakdown("By model", [("<script>alert(1)</script>", Decimal("1"))])
    assert "<script>" not in chart.svg
    assert "&lt;script&gt;" in chart.svg


def test_bars_show_value_and_share_and_fold_the_long_tail():
    items = [(f"model-{i}", Decimal(10 - i)) for i in range(10)]
    chart = bar_breakdown("By model", items, limit=3)
    assert 'model-0</span><span class="bar-value">$10.00 · 18%' in chart.svg
    assert "7 more" in chart.svg
    assert len(chart.rows) == 10
