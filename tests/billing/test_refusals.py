"""Refused requests leave a small, uncharged trace: who, which key, why; counted on the pages."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from billing.models import CreditLedgerEntry, HubKey, Refusal, Team, UsageRecord
from billing.refusals import record_refusal, refusal_counts
from billing.reports import SpendFilter
from tests.fake_upstream import Reply


def _chat(hub_url, key, max_tokens=1000):
    return httpx.post(
        f"{hub_url}/chat/completions",
        json={"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}], "max_tokens": max_tokens},
        headers={"Authorization": f"Bearer {key}"},
        timeout=20,
    )


@pytest.mark.django_db
def test_record_refusal_keeps_who_which_key_and_why(bob, acme):
    key = HubKey.objects.get(user=bob.user)
    refusal = record_refusal(team_id=acme.pk, user_id=bob.user.pk, key_id=key.pk, status=429,
                             code="rate_limit_exceeded", message="slow down", model="gpt-4o")  # fmt: skip
    assert refusal is not None
    assert (refusal.user_id, refusal.key_id, refusal.model, refusal.status) == (bob.user.pk, key.pk, "gpt-4o", 429)
    counts = refusal_counts(SpendFilter.last_days(1, team_id=acme.pk))
    assert (counts.rate_limit, counts.total) == (1, 1)


@pytest.mark.django_db
def test_statuses_that_are_not_refusals_are_not_recorded(bob, acme):
    assert record_refusal(team_id=acme.pk, user_id=bob.user.pk, key_id=None, status=502, code="upstream_error") is None
    assert not Refusal.objects.exists()


@pytest.mark.django_db
def test_counts_are_per_team_and_per_user(alice, bob, charlie, acme, globex):
    for person, team, code in [(bob, acme, "budget_exceeded"), (bob, acme, "insufficient_credits"),
                               (alice, acme, "insufficient_credits"), (charlie, globex, "insufficient_credits")]:  # fmt: skip
        record_refusal(team_id=team.pk, user_id=person.user.pk, key_id=None, status=402, code=code)
    team = refusal_counts(SpendFilter.last_days(1, team_id=acme.pk))
    assert (team.credits, team.budget, team.total) == (2, 1, 3)
    assert refusal_counts(SpendFilter.last_days(1, user_id=bob.user.pk)).total == 2
    assert refusal_counts(SpendFilter.last_days(1, user_id=charlie.user.pk)).total == 1


@pytest.mark.django_db(transaction=True)
def test_a_402_over_http_is_recorded_and_never_charged(hub_url, upstream, bob, acme):
    Team.objects.filter(pk=acme.pk).update(balance=Decimal("0.0001"))
    upstream.script("gpt-4.1", Reply(text="ok"))
    charges = CreditLedgerEntry.objects.count()
    assert _chat(hub_url, bob.key).status_code == 402
    [refusal] = Refusal.objects.all()
    assert (refusal.user_id, refusal.status, refusal.code) == (bob.user.pk, 402, "insufficient_credits")
    assert refusal.key_id == HubKey.objects.get(user=bob.user).pk
    assert "$0.0001 available" in refusal.message
    assert CreditLedgerEntry.objects.count() == charges and not UsageRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_429_over_http_is_recorded(hub_url, upstream, bob):
    HubKey.objects.filter(user=bob.user).update(rpm_limit=1)
    upstream.script("gpt-4.1", Reply(text="ok"))
    assert _chat(hub_url, bob.key, max_tokens=10).status_code == 200
    assert _chat(hub_url, bob.key, max_tokens=10).status_code == 429
    [refusal] = Refusal.objects.all()
    assert (refusal.status, refusal.code) == (429, "rate_limit_exceeded")


@pytest.mark.django_db
def test_refusals_are_counted_on_usage_team_and_spend_pages(client, alice, bob, staff, acme):
    record_refusal(team_id=acme.pk, user_id=bob.user.pk, key_id=None, status=402, code="budget_exceeded")
    client.force_login(bob.user)
    assert "1 request refused in this period" in client.get("/usage/").content.decode()
    client.force_login(alice.user)
    assert "1 request refused in the last 30 days" in client.get("/teams/acme/credits/").content.decode()
    assert "0 requests refused in this period" in client.get("/usage/").content.decode()
    client.force_login(staff.user)
    assert "1 request refused in this period" in client.get("/staff/spend/").content.decode()
