"""Spend aggregates read from rollups: exact Decimal totals, zero-filled days, breakdowns, burn rate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import UsageRecord
from billing.reports import (
    SpendFilter,
    daily_spend,
    member_spend,
    spend_by,
    spend_overview,
    spend_totals,
    team_credits,
)
from billing.rollups import hub_day, rebuild_rollups

pytestmark = pytest.mark.django_db


def test_totals_are_exact_decimals(alice, bob, spend):
    spend(alice, "0.10000001")
    spend(alice, "0.20000002", status="error")
    spend(bob, "0.30000003")
    totals = spend_totals(SpendFilter.last_days(7))
    assert totals.cost == Decimal("0.60000006")
    assert (totals.requests, totals.errors, totals.tokens) == (3, 1, 450)


def test_totals_narrow_to_team_user_model_and_provider(alice, bob, charlie, spend):
    spend(alice, "1", model="gpt-4o")
    spend(bob, "2", model="claude-sonnet-4", provider="anthropic")
    spend(charlie, "4", model="gpt-4o")
    week = SpendFilter.last_days(7)
    assert spend_totals(SpendFilter(week.start, week.end, team_id=alice.user.memberships.get().team_id)).cost == 3
    assert spend_totals(SpendFilter(week.start, week.end, user_id=charlie.user.pk)).cost == 4
    assert spend_totals(SpendFilter(week.start, week.end, model="gpt-4o")).cost == 5
    assert spend_totals(SpendFilter(week.start, week.end, provider="anthropic")).cost == 2


def test_daily_spend_fills_quiet_days_with_zero(alice, spend):
    record = spend(alice, "0.5")
    spend(alice, "0.25")
    UsageRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    rebuild_rollups()
    series = daily_spend(SpendFilter.last_days(7))
    today = hub_day(timezone.now())
    assert len(series) == 7
    assert dict(series)[today] == Decimal("0.25")
    assert dict(series)[hub_day(timezone.now() - dt.timedelta(days=3))] == Decimal("0.5")
    assert sum(value for _, value in series) == Decimal("0.75")


def test_spend_by_model_is_most_expensive_first(alice, spend):
    spend(alice, "0.1", model="gpt-4o-mini")
    spend(alice, "0.9", model="gpt-4o")
    spend(alice, "0.2", model="gpt-4o-mini")
    rows = spend_by(SpendFilter.last_days(30), "model")
    assert [(r.label, r.requests, r.cost) for r in rows] == [
        ("gpt-4o", 1, Decimal("0.9")),
        ("gpt-4o-mini", 2, Decimal("0.3")),
    ]


def test_team_credits_burn_rate_and_run_out_date(alice, acme, spend):
    spend(alice, "7")  # today: $1/day over 7 days, $7/30 over 30 days
    acme.refresh_from_db()
    credits = team_credits(acme)
    assert credits.balance == Decimal("93")
    assert credits.burn_7 == Decimal("1.0000")
    assert credits.burn_30 == Decimal("0.2333")
    assert credits.runs_out_on == hub_day(timezone.now()) + dt.timedelta(days=93)


def test_team_without_spend_has_no_run_out_date(acme):
    assert team_credits(acme).runs_out_on is None


def test_member_spend_lists_quiet_members_too(alice, bob, charlie, acme, spend):
    spend(alice, "2")
    rows = member_spend(acme, SpendFilter.last_days(30, team_id=acme.pk))
    assert [(r.label, r.cost, r.extra["role"]) for r in rows] == [
        ("alice", Decimal("2"), "Team admin"),
        ("bob", Decimal("0"), "Member"),
    ]


def test_overview_agrees_with_the_single_breakdowns(alice, bob, charlie, spend):
    spend(alice, "0.1", model="gpt-4o")
    spend(bob, "0.22222222", model="claude-sonnet-4", provider="anthropic", status="error")
    spend(charlie, "3", model="gpt-4o", route={"baseline_cost": "4"})
    month = SpendFilter.last_days(30)
    totals, breakdowns = spend_overview(month, ["team", "user", "model", "provider"])
    assert totals == spend_totals(month)
    assert totals.cost == Decimal("3.32222222") and totals.savings == Decimal("1")
    for dimension, rows in breakdowns.items():
        assert rows == spend_by(month, dimension), dimension
