"""GET /v1/usage?period=month: the key owner's spend this calendar month, in the hub's time zone."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import httpx
import pytest

from billing.models import UsageRecord
from billing.selectors import month_usage

pytestmark = pytest.mark.django_db(transaction=True)
NOW = dt.datetime(2026, 11, 15, 12, 0, tzinfo=dt.UTC)


def _record(person, cost, model="gpt-4.1", at=NOW, **extra):
    record = UsageRecord.objects.create(
        request_id="req_" + uuid.uuid4().hex,
        user=person.user,
        team=person.user.memberships.get().team,
        model_requested=model,
        model_served=model,
        cost=Decimal(cost),
        status="ok",
        prompt_tokens=10,
        completion_tokens=5,
        **extra,
    )
    UsageRecord.objects.filter(pk=record.pk).update(created_at=at)
    return record


def _team_id(person):
    return person.user.memberships.get().team_id


def test_totals_and_rows_by_model_are_exact(alice):
    _record(alice, "0.1")
    _record(alice, "0.2")
    _record(alice, "0.00000001", model="gpt-4o-mini", cache_hit=True)
    report = month_usage(user_id=alice.user.pk, team_id=_team_id(alice), now=NOW)
    assert report["totals"]["cost"] == Decimal("0.30000001") and report["totals"]["requests"] == 3
    assert report["totals"]["cache_hits"] == 1
    assert [(r["model"], r["requests"], r["cost"]) for r in report["by_model"]] == [
        ("gpt-4.1", 2, Decimal("0.3")),
        ("gpt-4o-mini", 1, Decimal("0.00000001")),
    ]
    assert report["start"] == "2026-11-01T00:00:00+00:00" and report["end"] == "2026-12-01T00:00:00+00:00"


def test_only_this_month_and_only_my_requests(alice, bob):
    _record(alice, "1", at=dt.datetime(2026, 10, 31, 23, 59, tzinfo=dt.UTC))  # last month
    _record(alice, "2")
    _record(bob, "4")  # same team, not mine
    report = month_usage(user_id=alice.user.pk, team_id=_team_id(alice), now=NOW)
    assert report["totals"]["cost"] == Decimal("2")


def test_the_month_is_the_hubs_time_zone(alice, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    _record(alice, "1", at=dt.datetime(2026, 10, 31, 17, 0, tzinfo=dt.UTC))  # 1 November, 01:00 in Shanghai
    report = month_usage(user_id=alice.user.pk, team_id=_team_id(alice), now=NOW)
    assert report["totals"]["cost"] == Decimal("1") and report["start"] == "2026-11-01T00:00:00+08:00"
    settings.TIME_ZONE = "UTC"
    report = month_usage(user_id=alice.user.pk, team_id=_team_id(alice), now=NOW)
    assert report["totals"]["cost"] == Decimal("0")


def test_endpoint_shows_my_spend_and_no_one_elses(hub_url, upstream, alice, charlie):
    httpx.post(
        f"{hub_url}/chat/completions",
        json={"model": "gpt-4.1", "messages": [{"role": "user", "content": "x"}]},
        headers={"Authorization": f"Bearer {alice.key}"},
        timeout=20,
    )
    mine = httpx.get(f"{hub_url}/usage?period=month", headers={"Authorization": f"Bearer {alice.key}"}, timeout=10)
    assert mine.status_code == 200
    assert mine.json()["totals"]["requests"] == 1 and mine.json()["team"]["name"] == "Acme"
    assert Decimal(str(mine.json()["totals"]["cost"])) == UsageRecord.objects.get().cost
    theirs = httpx.get(f"{hub_url}/usage", headers={"Authorization": f"Bearer {charlie.key}"}, timeout=10)
    assert theirs.json()["totals"]["requests"] == 0 and theirs.json()["by_model"] == []


@pytest.mark.parametrize("query", ["?period=week", "?period=", "?period=month%00"])
def test_bad_period_is_a_400(hub_url, upstream, alice, query):
    response = httpx.get(f"{hub_url}/usage{query}", headers={"Authorization": f"Bearer {alice.key}"}, timeout=10)
    assert response.status_code == 400 and response.json()["error"]["param"] == "period"


def test_usage_needs_a_key_and_a_get(hub_url, upstream, alice):
    assert httpx.get(f"{hub_url}/usage", timeout=10).status_code == 401
    response = httpx.post(f"{hub_url}/usage", headers={"Authorization": f"Bearer {alice.key}"}, timeout=10)
    assert response.status_code == 405
