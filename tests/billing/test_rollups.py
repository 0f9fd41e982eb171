"""The daily rollup: kept by settlement in the same transaction, rebuildable, filled by generate_usage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from billing.ledger import UsageDraft, settle_usage
from billing.models import UsageDailyRollup, UsageRecord
from billing.money import to_usd
from billing.rollups import hub_day, rebuild_rollups

pytestmark = pytest.mark.django_db


def _rollup_rows():
    fields = ["day", "team_id", "user_id", "key_id", "model", "provider", "requests", "errors", "prompt_tokens",
              "completion_tokens", "cost", "savings", "price_mismatches"]  # fmt: skip
    return sorted(UsageDailyRollup.objects.values_list(*fields), key=repr)


def test_settling_adds_exact_sums_to_one_bucket(alice, spend):
    spend(alice, "0.12345678")
    spend(alice, "0.00000001", status="error")
    row = UsageDailyRollup.objects.get()
    assert (row.requests, row.errors) == (2, 1)
    assert row.cost == Decimal("0.12345679")
    assert (row.prompt_tokens, row.completion_tokens) == (200, 100)
    assert row.day == hub_day(UsageRecord.objects.first().created_at)


def test_models_and_people_get_their_own_buckets(alice, bob, spend):
    spend(alice, "1", model="gpt-4o")
    spend(alice, "2", model="claude-sonnet-4", provider="anthropic")
    spend(bob, "3", model="gpt-4o")
    assert UsageDailyRollup.objects.count() == 3
    assert UsageDailyRollup.objects.filter(model="gpt-4o").aggregate(c=Sum("cost"))["c"] == Decimal("4")


def test_requests_without_a_key_share_one_bucket(alice, acme):
    for n in range(2):
        settle_usage(
            UsageDraft(f"chat-{n}", alice.user.pk, acme.pk, None, "gpt-4o", Decimal("0.5"), "ok", source="chat")
        )
    row = UsageDailyRollup.objects.get()
    assert (row.key_id, row.requests, row.cost) == (None, 2, Decimal("1"))


def test_auto_routing_savings_and_price_mismatches_are_counted(alice, spend):
    spend(alice, "0.10", route={"mode": "auto", "baseline_cost": "0.40"})
    spend(alice, "0.10", route={"mode": "auto"})  # no baseline: no savings
    spend(alice, "1.00", upstream_cost=Decimal("1.005"))  # 0.5%: fine
    spend(alice, "1.00", upstream_cost=Decimal("1.05"))  # 5%: flagged
    row = UsageDailyRollup.objects.get()
    assert row.savings == Decimal("0.30")
    assert row.price_mismatches == 1


def test_settling_a_request_twice_counts_it_once(alice, acme, spend):
    record = spend(alice, "0.5")
    # Settling the same request id again is a no-op: the rollup must not count it twice.
    settle_usage(UsageDraft(record.request_id, alice.user.pk, acme.pk, None, "gpt-4o", Decimal("0.5"), "ok"))
    assert UsageDailyRollup.objects.get().requests == 1


def test_rebuild_reproduces_the_live_rollups_and_follows_moved_days(alice, bob, spend):
    spend(alice, "0.25", route={"baseline_cost": "1"})
    spend(alice, "0.75", upstream_cost=Decimal("2"))
    spend(bob, "0.5", model="gemini-2.5-pro", provider="gemini")
    live = _rollup_rows()
    assert rebuild_rollups() == 2  # alice's two gpt-4o requests share a bucket
    assert _rollup_rows() == live
    UsageRecord.objects.filter(user=bob.user).update(created_at=dt.datetime(2026, 1, 2, 12, tzinfo=dt.UTC))
    rebuild_rollups()
    assert UsageDailyRollup.objects.get(user=bob.user).day == dt.date(2026, 1, 2)


@pytest.mark.ledger_breach  # generate_usage writes uncharged synthetic records by design
def test_generate_usage_writes_records_and_matching_rollups(alice):
    call_command("generate_usage", "3000", "--team", "acme", "--days", "10", "--seed", "7")
    assert UsageRecord.objects.count() == 3000
    totals = UsageDailyRollup.objects.aggregate(n=Sum("requests"), cost=Sum("cost"), p=Sum("prompt_tokens"))
    assert totals["n"] == 3000
    # Quantised: SQLite sums decimals as floats (PostgreSQL's numeric is exact either way).
    assert to_usd(totals["cost"]) == to_usd(UsageRecord.objects.aggregate(c=Sum("cost"))["c"])
    assert totals["p"] == UsageRecord.objects.aggregate(p=Sum("prompt_tokens"))["p"]
    live = _rollup_rows()
    rebuild_rollups()
    assert _rollup_rows() == live
