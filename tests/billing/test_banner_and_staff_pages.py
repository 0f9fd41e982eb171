"""The low-balance banner, staff credit grants with their audit trail, drill-down and price match."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import CreditLedgerEntry, Team

pytestmark = pytest.mark.django_db


def _low(team_slug: str, threshold: str) -> None:
    Team.objects.filter(slug=team_slug).update(low_balance_threshold=Decimal(threshold))


def test_banner_shows_to_every_member_while_below_threshold(client, alice, bob, charlie):
    _low("acme", "150")  # acme has $100
    client.force_login(bob.user)
    page = client.get("/usage/").content.decode()
    assert "Acme is low on credits" in page and "ask a team admin" in page
    client.force_login(alice.user)
    assert "See burn rate and run-out date" in client.get("/keys/").content.decode()
    client.force_login(charlie.user)
    assert "low on credits" not in client.get("/usage/").content.decode()


def test_no_banner_above_the_threshold_or_without_one(client, bob):
    client.force_login(bob.user)
    assert "low on credits" not in client.get("/usage/").content.decode()
    _low("acme", "50")
    assert "low on credits" not in client.get("/usage/").content.decode()


def test_staff_grant_is_recorded_with_memo_and_author(client, staff, acme):
    client.force_login(staff.user)
    response = client.post(
        "/staff/credits/", {"team": acme.pk, "kind": "grant", "amount": "25.5", "memo": "Invoice 42"}
    )
    assert response.status_code == 302
    entry = CreditLedgerEntry.objects.filter(kind="grant").first()
    assert (entry.amount, entry.memo, entry.created_by, entry.balance_after) == (
        Decimal("25.5"),
        "Invoice 42",
        staff.user,
        Decimal("125.5"),
    )
    trail = client.get("/staff/credits/").content.decode()
    assert "Invoice 42" in trail and "root" in trail


def test_an_adjustment_below_zero_is_refused_with_a_message(client, staff, acme):
    client.force_login(staff.user)
    response = client.post("/staff/credits/", {"team": acme.pk, "kind": "adjust", "amount": "-500", "memo": "oops"})
    assert response.status_code == 400
    assert "below zero" in response.content.decode()
    acme.refresh_from_db()
    assert acme.balance == Decimal("100")


def test_a_grant_needs_a_memo(client, staff, acme):
    client.force_login(staff.user)
    response = client.post("/staff/credits/", {"team": acme.pk, "kind": "grant", "amount": "5", "memo": ""})
    assert response.status_code == 400
    assert CreditLedgerEntry.objects.filter(kind="grant").count() == 1  # the fixture's


def test_spend_review_totals_and_drill_down(client, staff, alice, charlie, spend):
    spend(alice, "1.25", model="gpt-4o")
    spend(charlie, "2.5", model="claude-sonnet-4", provider="anthropic")
    client.force_login(staff.user)
    review = client.get("/staff/spend/").content.decode()
    assert "$3.75" in review and "Acme" in review and "Globex" in review
    records = client.get("/staff/spend/records/?model=claude-sonnet-4").content.decode()
    assert "<td>charlie</td>" in records and "<td>alice</td>" not in records
    assert "1 record costing $2.50" in records


def test_spend_review_explains_a_bad_date_range(client, staff):
    client.force_login(staff.user)
    page = client.get("/staff/spend/?start=2026-05-01&end=2026-01-01").content.decode()
    assert "The start date is after the end date" in page


def test_price_match_lists_only_records_more_than_one_percent_off(client, staff, alice, spend):
    far = spend(alice, "1.00", upstream_cost=Decimal("1.20"))
    near = spend(alice, "1.00", upstream_cost=Decimal("1.009"))
    client.force_login(staff.user)
    page = client.get("/staff/price-match/").content.decode()
    assert far.request_id in page and near.request_id not in page
    assert "<strong>1</strong> of 2 requests differ" in page


@pytest.mark.parametrize(
    "query",
    ["?team=abc", "?team=999999", "?start=not-a-date", "?user=1%27%20OR%201=1", "?page=-3", "?model=%3Cscript%3E"],
)
def test_hostile_filters_fall_back_to_the_last_30_days_with_a_message(client, staff, query):
    client.force_login(staff.user)
    for url in ("/staff/spend/", "/staff/spend/records/", "/staff/price-match/"):
        response = client.get(url + query)
        assert response.status_code == 200
        if "page" not in query:
            assert "Showing the last 30 days" in response.content.decode()
        assert "<script>" not in response.content.decode()
