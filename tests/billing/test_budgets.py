"""Budgets: calendar periods in the hub's time zone, refusals that say which limit and when it resets,
holds in flight counted, zero-priced models never blocked."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import httpx
import pytest

from billing.budgets import BudgetExceeded, period_of, spent_this_period
from billing.ledger import reserve_credits, settle_usage
from billing.models import Budget, BudgetSpend, HubKey
from tests.billing.conftest import draft_for
from tests.fake_upstream import FakeUpstream, Reply

UTC = dt.UTC


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- periods ------------------------------------------------------------------------------------


def test_monthly_period_starts_on_the_first_at_local_midnight(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    # 23:30 UTC on 31 January is already 00:30 on 1 February in Berlin.
    period = period_of(Budget.MONTHLY, at(2026, 1, 31, 23, 30))
    assert period.start == at(2026, 1, 31, 23, 0)  # 1 February 00:00 CET
    assert period.end == at(2026, 2, 28, 23, 0)  # 1 March 00:00 CET: 28 days, not 30
    assert period_of(Budget.MONTHLY, at(2026, 1, 31, 22, 59)).start == at(2025, 12, 31, 23, 0)


def test_monthly_period_across_daylight_saving(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    period = period_of(Budget.MONTHLY, at(2026, 4, 10))
    assert period.start == at(2026, 3, 31, 22, 0)  # 1 April 00:00 CEST
    assert period.end == at(2026, 4, 30, 22, 0)


def test_weekly_period_is_the_iso_week_from_monday(settings):
    settings.TIME_ZONE = "America/New_York"
    sunday_night = at(2026, 11, 30, 3, 0)  # Sunday 29 November, 22:00 in New York
    period = period_of(Budget.WEEKLY, sunday_night)
    assert period.start == at(2026, 11, 23, 5, 0)  # Monday 23 November 00:00 EST
    assert period.end == at(2026, 11, 30, 5, 0)
    assert period_of(Budget.WEEKLY, at(2026, 11, 30, 5, 0)).start == at(2026, 11, 30, 5, 0)


def test_daily_and_total_periods(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    day = period_of(Budget.DAILY, at(2026, 11, 24, 16, 0))  # 25 November 01:00 in Tokyo
    assert (day.start, day.end) == (at(2026, 11, 24, 15, 0), at(2026, 11, 25, 15, 0))
    assert period_of(Budget.TOTAL, at(2026, 11, 24)).end is None


# --- refusals at the ledger, with a fixed clock -------------------------------------------------


@pytest.mark.django_db
def test_monthly_budget_refuses_until_the_first_then_resets(settings, alice, acme):
    settings.TIME_ZONE = "Europe/Berlin"
    Budget.objects.create(team=acme, amount=Decimal("0.05"), period=Budget.MONTHLY)
    january = at(2026, 1, 31, 22, 0)  # 23:00 on 31 January in Berlin
    reserve_credits(team_id=acme.pk, request_id="r1", amount=Decimal("0.05"), now=january)
    settle_usage(draft_for(alice, "r1", "0.04"), now=january)

    with pytest.raises(BudgetExceeded) as refused:
        reserve_credits(team_id=acme.pk, request_id="r2", amount=Decimal("0.02"), now=january)
    error = refused.value
    assert (error.status, error.code) == (402, "budget_exceeded")
    assert "the monthly budget of $0.05 for team acme" in error.message
    assert "$0.04 is spent" in error.message and "may cost up to $0.02" in error.message
    assert "It resets at 2026-02-01T00:00:00+01:00" in error.message
    assert "Sunday 1 February 2026, Europe/Berlin; in 1 hour" in error.message
    assert error.headers()["Retry-After"] == "3600"

    february = at(2026, 1, 31, 23, 0)  # midnight in Berlin: a new month
    reserve_credits(team_id=acme.pk, request_id="r2", amount=Decimal("0.02"), now=february)
    budget = Budget.objects.get()
    assert spent_this_period(budget, february) == (Decimal("0"), Decimal("0.02"))
    assert spent_this_period(budget, january) == (Decimal("0.04"), Decimal("0"))


@pytest.mark.django_db
def test_total_budget_never_resets(alice, acme):
    Budget.objects.create(team=acme, user=alice.user, amount=Decimal("0.01"), period=Budget.TOTAL, name="trial")
    with pytest.raises(BudgetExceeded) as refused:
        reserve_credits(team_id=acme.pk, request_id="r1", amount=Decimal("0.02"), user_id=alice.user.pk)
    assert "alice's total cap 'trial' of $0.01 on team acme" in refused.value.message
    assert "It is a total budget and does not reset." in refused.value.message
    assert refused.value.retry_after is None


@pytest.mark.django_db
def test_holds_in_flight_count_against_the_budget(alice, acme):
    Budget.objects.create(team=acme, amount=Decimal("0.10"), period=Budget.DAILY)
    reserve_credits(team_id=acme.pk, request_id="r1", amount=Decimal("0.06"))
    with pytest.raises(BudgetExceeded) as refused:
        reserve_credits(team_id=acme.pk, request_id="r2", amount=Decimal("0.06"))
    assert "$0.06 held for requests in flight" in refused.value.message
    # Settling at the actual cost frees the rest of the hold for the next request.
    settle_usage(draft_for(alice, "r1", "0.01"))
    reserve_credits(team_id=acme.pk, request_id="r2", amount=Decimal("0.06"))
    assert BudgetSpend.objects.get().reserved == Decimal("0.06")


@pytest.mark.django_db
def test_other_users_and_keys_are_not_counted(alice, bob, acme):
    Budget.objects.create(team=acme, user=bob.user, amount=Decimal("0.01"), period=Budget.DAILY)
    reserve_credits(team_id=acme.pk, request_id="r1", amount=Decimal("0.05"), user_id=alice.user.pk)
    with pytest.raises(BudgetExceeded):
        reserve_credits(team_id=acme.pk, request_id="r2", amount=Decimal("0.05"), user_id=bob.user.pk)


@pytest.mark.django_db
def test_inactive_budget_is_ignored(alice, acme):
    Budget.objects.create(team=acme, amount=Decimal("0.01"), period=Budget.DAILY, is_active=False)
    reserve_credits(team_id=acme.pk, request_id="r1", amount=Decimal("0.05"))


# --- refusals over HTTP through the live hub -----------------------------------------------------


def chat(hub_url: str, key: str, model: str = "gpt-4.1", max_tokens: int = 1000) -> httpx.Response:
    return httpx.post(
        f"{hub_url}/chat/completions",
        json={"model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": max_tokens},
        headers={"Authorization": f"Bearer {key}"},
        timeout=20,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("scope", "period"),
    [("key", Budget.DAILY), ("user", Budget.WEEKLY), ("team", Budget.MONTHLY), ("user", Budget.TOTAL)],
)
def test_budget_refusal_over_http_names_the_limit_and_reset(hub_url, upstream, settings, alice, acme, scope, period):
    settings.TIME_ZONE = "Europe/Berlin"
    key = HubKey.objects.get(user=alice.user)
    owner = {"key": {"key": key}, "user": {"user": alice.user}, "team": {}}[scope]
    Budget.objects.create(team=acme, amount=Decimal("0.01"), period=period, **owner)
    upstream.script("gpt-4.1", Reply(text="ok", prompt_tokens=9, completion_tokens=900))  # $0.007218

    assert chat(hub_url, alice.key).status_code == 200
    refused = chat(hub_url, alice.key)  # may cost up to $0.008018 more: over $0.01
    assert refused.status_code == 402
    error = refused.json()["error"]
    assert (error["code"], error["type"]) == ("budget_exceeded", "insufficient_quota")
    named = {
        "key": f"the {period} budget of $0.01 for key alice's key (team acme)",
        "user": f"alice's {period} cap of $0.01 on team acme",
        "team": f"the {period} budget of $0.01 for team acme",
    }[scope]
    assert named in error["message"]
    assert "$0.007218 is spent" in error["message"]
    resets = period_of(period, dt.datetime.now(UTC)).end
    if resets is None:
        assert "does not reset" in error["message"] and "Retry-After" not in refused.headers
    else:
        local = resets.astimezone(zoneinfo.ZoneInfo("Europe/Berlin"))
        assert local.hour == 0 and f"It resets at {local.isoformat()}" in error["message"]
        retry_after = int(refused.headers["Retry-After"])
        assert abs(retry_after - (resets - dt.datetime.now(UTC)).total_seconds()) < 60
    # A smaller request still fits what is left.
    assert chat(hub_url, alice.key, max_tokens=100).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_zero_priced_model_is_never_blocked_by_a_dollar_budget(hub_url, upstream, settings, alice, acme):
    from llmhub import catalog

    settings.OLLAMA_BASE_URL = upstream_url(upstream)
    catalog.invalidate()
    Budget.objects.create(team=acme, amount=Decimal("0"), period=Budget.TOTAL)
    assert chat(hub_url, alice.key).json()["error"]["code"] == "budget_exceeded"
    response = chat(hub_url, alice.key, model="llama3.2")
    assert response.status_code == 200, response.text
    assert response.json()["usage"]["cost"] == 0


def upstream_url(upstream: FakeUpstream) -> str:
    return upstream.url + "/v1"


@pytest.mark.django_db
def test_budget_checks_read_counters_not_the_usage_ledger(alice, acme):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    key = HubKey.objects.get(user=alice.user)
    Budget.objects.create(team=acme, amount=Decimal("10"), period=Budget.DAILY)
    Budget.objects.create(team=acme, user=alice.user, amount=Decimal("10"), period=Budget.WEEKLY)
    Budget.objects.create(team=acme, key=key, amount=Decimal("10"), period=Budget.MONTHLY)
    who = {"user_id": alice.user.pk, "key_id": key.pk}
    reserve_credits(team_id=acme.pk, request_id="warm", amount=Decimal("0.1"), **who)  # creates this period's rows
    with CaptureQueriesContext(connection) as reserving:
        reserve_credits(team_id=acme.pk, request_id="r1", amount=Decimal("0.1"), **who)
    draft = draft_for(alice, "r1", "0.05")
    with CaptureQueriesContext(connection) as settling:
        settle_usage(draft)
    sql = [q["sql"] for q in reserving.captured_queries + settling.captured_queries]
    assert not any("SUM(" in s.upper() for s in sql)
    assert not any('FROM "billing_usagerecord"' in s and "request_id" not in s for s in sql)
    # A fixed handful of queries, however many usage records exist: lock, budgets, counters, writes.
    assert len(reserving.captured_queries) <= 12
    assert len(settling.captured_queries) <= 16
    assert [s.spent for s in BudgetSpend.objects.order_by("pk")] == [Decimal("0.05")] * 3


@pytest.mark.django_db(transaction=True)
def test_streamed_spend_counts_and_a_spent_budget_refuses_a_stream(hub_url, upstream, alice, acme):
    budget = Budget.objects.create(team=acme, amount=Decimal("0.01"), period=Budget.DAILY)
    upstream.script("gpt-4.1", Reply(text="a b c", prompt_tokens=9, completion_tokens=900))
    body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1000, "stream": True}
    headers = {"Authorization": f"Bearer {alice.key}"}
    with httpx.stream("POST", f"{hub_url}/chat/completions", json=body, headers=headers, timeout=20) as streamed:
        assert streamed.status_code == 200
        streamed.read()
    assert spent_this_period(budget, dt.datetime.now(UTC)) == (Decimal("0.007218"), Decimal("0"))
    refused = httpx.post(f"{hub_url}/chat/completions", json=body, headers=headers, timeout=20)
    assert refused.status_code == 402
    assert refused.json()["error"]["code"] == "budget_exceeded"
