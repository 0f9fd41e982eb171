"""Date presets of the spend filters (Today … Last month) and the comparison of a range with the period of the
same length just before it; days are the hub time zone's, as rollups are keyed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.money import ZERO, to_usd
from billing.reports import SpendFilter, spend_totals
from billing.rollups import Sums, hub_day

PRESETS = [
    ("today", _("Today")),
    ("yesterday", _("Yesterday")),
    ("7d", _("Last 7 days")),
    ("30d", _("Last 30 days")),
    ("this_month", _("This month")),
    ("last_month", _("Last month")),
]
DEFAULT_PRESET = "30d"


def preset_range(preset: str, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day (inclusive) a preset names, from `today` (the hub's today by default)."""
    today = today or hub_day(timezone.now())
    if preset == "today":
        return today, today
    if preset == "yesterday":
        return today - dt.timedelta(days=1), today - dt.timedelta(days=1)
    if preset == "7d":
        return today - dt.timedelta(days=6), today
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_month":
        last_day = today.replace(day=1) - dt.timedelta(days=1)
        return last_day.replace(day=1), last_day
    if preset == "30d":
        return today - dt.timedelta(days=29), today
    raise ValueError(f"no date preset {preset!r}")


def matching_preset(start: dt.date, end: dt.date, today: dt.date | None = None) -> str:
    """The preset whose range is exactly [start, end] today, else "" (so the page can mark it current)."""
    return next((key for key, _label in PRESETS if preset_range(key, today) == (start, end)), "")


def previous_period(spend: SpendFilter) -> SpendFilter:
    """The same filter over the days just before its range, as many of them."""
    return dataclasses.replace(
        spend, start=spend.start - dt.timedelta(days=spend.days), end=spend.start - dt.timedelta(days=1)
    )


@dataclass(frozen=True)
class Change:
    """One figure now and in the previous period; `percent` is None when there was nothing before."""

    now: Decimal | int
    before: Decimal | int

    @property
    def difference(self) -> Decimal | int:
        return self.now - self.before

    @property
    def percent(self) -> Decimal | None:
        if not self.before:
            return None
        exact = Decimal(self.now - self.before) * 100 / Decimal(self.before)
        return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def direction(self) -> str:
        return "up" if self.now > self.before else "down" if self.now < self.before else "same"


def average_cost(sums: Sums) -> Decimal:
    """Spend per request, quantised to the ledger's 8 places (zero for no requests)."""
    return to_usd(sums.cost / sums.requests) if sums.requests else ZERO


@dataclass(frozen=True)
class Comparison:
    previous: SpendFilter
    spend: Change
    requests: Change
    average_cost: Change


def compare_with_previous(spend: SpendFilter, totals: Sums) -> Comparison:
    """The range's spend, requests and average cost per request against the previous period's (rollups)."""
    previous = previous_period(spend)
    before = spend_totals(previous)
    return Comparison(
        previous=previous,
        spend=Change(totals.cost, before.cost),
        requests=Change(totals.requests, before.requests),
        average_cost=Change(average_cost(totals), average_cost(before)),
    )
