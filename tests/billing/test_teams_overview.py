"""The staff teams list: balance, burn, run-out date, budgets and open credit requests, sortable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import Budget, CreditRequest
from billing.reports import teams_overview

pytestmark = pytest.mark.django_db


def test_teams_are_sorted_by_run_out_date_soonest_first(alice, charlie, acme, globex, spend):
    spend(alice, "7")  # acme: $1/day over the week, $93 left: 93 days
    spend(charlie, "35")  # globex: $5/day, $15 left: 3 days
    rows = teams_overview("runs_out")
    assert [row.team.slug for row in rows] == ["globex", "acme"]
    assert rows[0].burn_7 == Decimal("5") and rows[0].runs_out_on is not None


def test_a_team_without_spend_sorts_last(alice, charlie, acme, globex, spend):
    spend(charlie, "1")
    assert [row.team.slug for row in teams_overview("runs_out")] == ["globex", "acme"]
    assert teams_overview("runs_out")[1].runs_out_on is None


def test_staff_see_budgets_and_open_requests(client, staff, bob, acme, globex):
    Budget.objects.create(team=acme, amount=Decimal("25"), period=Budget.DAILY)
    CreditRequest.objects.create(team=acme, requested_by=bob.user, amount=Decimal("10"), reason="more")
    client.force_login(staff.user)
    page = client.get("/teams/?sort=runs_out").content.decode()
    assert "Runs out" in page and "daily $25.00" in page
    assert 'href="/staff/credit-requests/">1</a>' in page


def test_a_team_admin_sees_only_their_own_teams(client, alice, charlie):
    client.force_login(alice.user)
    assert client.get("/teams/").status_code == 302  # straight to their one team
    assert "Globex" not in client.get("/teams/", follow=True).content.decode()
