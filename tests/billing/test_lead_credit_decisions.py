"""Team admins decide their members' credit requests within the allowance staff set (per request, per
month); above it the request waits for staff, who can still decide it; each approval credits exactly once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from billing.credit_requests import credit_request_decide, credit_request_open
from billing.lead_allowance import allowance_set
from billing.models import CreditLedgerEntry, LeadAllowance, Team
from llmhub.errors import PermissionDenied
from tests.billing.conftest import lead_of

pytestmark = pytest.mark.django_db


def _ask(team, person, amount):
    return credit_request_open(team=team, by=person.user, amount=Decimal(amount), reason="demo day")


def _decide(client, person, asked, decision="approve", slug="acme"):
    client.force_login(person.user)
    return client.post(f"/teams/{slug}/credit-requests/{asked.pk}/decide/", {"decision": decision, "note": "ok"})


def _balance(team):
    return Team.objects.get(pk=team.pk).balance


def test_a_lead_approves_within_the_allowance_and_the_team_is_credited_once(client, alice, bob, staff, acme):
    allowance_set(team=acme, per_request=Decimal("50"), per_month=None, by=staff.user)
    asked = _ask(acme, bob, "40")
    assert _decide(client, alice, asked).status_code == 302
    assert _decide(client, alice, asked).status_code == 302  # a second click changes nothing
    asked.refresh_from_db()
    assert asked.state == "approved" and asked.decided_by_id == alice.user.pk and asked.decided_by_lead
    assert asked.grant.created_by_id == alice.user.pk and asked.grant.amount == Decimal("40")
    assert CreditLedgerEntry.objects.filter(team=acme, kind="grant", memo__startswith="Credit request").count() == 1
    assert _balance(acme) == Decimal("140")


def test_a_lead_declines_within_the_allowance(client, alice, bob, staff, acme):
    allowance_set(team=acme, per_request=Decimal("50"), per_month=None, by=staff.user)
    asked = _ask(acme, bob, "40")
    _decide(client, alice, asked, "decline")
    asked.refresh_from_db()
    assert asked.state == "declined" and asked.grant is None and _balance(acme) == Decimal("100")


def test_above_the_allowance_a_lead_is_refused_and_staff_still_decide(client, alice, bob, staff, acme):
    allowance_set(team=acme, per_request=Decimal("50"), per_month=None, by=staff.user)
    asked = _ask(acme, bob, "75")
    client.force_login(alice.user)
    assert "Waiting for the hub admins" in client.get("/teams/acme/credits/").content.decode()
    response = _decide(client, alice, asked)
    assert response.status_code == 302
    follow = client.get(response["Location"]).content.decode()
    assert "above what the hub admins allow" in follow
    asked.refresh_from_db()
    assert asked.state == "open" and _balance(acme) == Decimal("100")
    client.force_login(staff.user)
    client.post(f"/staff/credit-requests/{asked.pk}/decide/", {"decision": "approve"})
    asked.refresh_from_db()
    assert asked.state == "approved" and not asked.decided_by_lead and _balance(acme) == Decimal("175")


def test_without_an_allowance_leads_decide_nothing(client, alice, bob, acme):
    asked = _ask(acme, bob, "1")
    _decide(client, alice, asked)
    asked.refresh_from_db()
    assert asked.state == "open" and _balance(acme) == Decimal("100")


def test_the_monthly_allowance_is_shared_by_the_months_approvals(client, alice, bob, staff, acme):
    allowance_set(team=acme, per_request=None, per_month=Decimal("100"), by=staff.user)
    first, second = _ask(acme, bob, "60"), _ask(acme, bob, "60")
    _decide(client, alice, first)
    _decide(client, alice, second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("approved", "open")
    assert _balance(acme) == Decimal("160")
    assert "$40.00 left this month" in client.get("/teams/acme/credits/").content.decode()


def test_a_lead_cannot_approve_their_own_request(alice, staff, acme):
    allowance_set(team=acme, per_request=Decimal("50"), per_month=None, by=staff.user)
    asked = _ask(acme, alice, "10")
    with pytest.raises(PermissionDenied):
        credit_request_decide(request_id=asked.pk, by=alice.user, approve=True, lead_of=acme)
    asked.refresh_from_db()
    assert asked.state == "open"


def test_a_lead_of_another_team_cannot_decide_by_changing_the_url(client, bob, charlie, staff, acme, globex):
    allowance_set(team=acme, per_request=Decimal("50"), per_month=None, by=staff.user)
    allowance_set(team=globex, per_request=Decimal("50"), per_month=None, by=staff.user)
    asked = _ask(acme, bob, "10")
    gina = lead_of(globex)
    assert _decide(client, gina, asked, slug="acme").status_code == 404
    assert _decide(client, gina, asked, slug="globex").status_code == 404
    asked.refresh_from_db()
    assert asked.state == "open"


def test_a_member_cannot_decide(client, alice, bob, staff, acme):
    allowance_set(team=acme, per_request=Decimal("50"), per_month=None, by=staff.user)
    asked = _ask(acme, alice, "10")
    assert _decide(client, bob, asked).status_code == 403
    asked.refresh_from_db()
    assert asked.state == "open"


def test_a_request_within_the_allowance_is_mailed_to_the_leads(alice, bob, staff, acme):
    allowance_set(team=acme, per_request=Decimal("50"), per_month=None, by=staff.user)
    _ask(acme, bob, "10")
    [email] = mail.outbox
    assert email.to == ["alice@example.com"] and "/teams/acme/credits/" in email.body
    mail.outbox.clear()
    _ask(acme, bob, "80")
    [email] = mail.outbox
    assert email.to == ["root@example.com"] and "/staff/credit-requests/" in email.body


def test_staff_set_and_remove_the_allowance_on_the_team_page(client, staff, alice, acme):
    client.force_login(staff.user)
    response = client.post("/teams/acme/credits/lead-allowance/", {"per_request": "25", "per_month": "200"})
    assert response.status_code == 302
    row = LeadAllowance.objects.get(team=acme)
    assert (row.per_request, row.per_month, row.updated_by_id) == (Decimal("25"), Decimal("200"), staff.user.pk)
    client.post("/teams/acme/credits/lead-allowance/", {"per_request": "", "per_month": ""})
    assert not LeadAllowance.objects.exists()
    assert client.post("/teams/acme/credits/lead-allowance/", {"per_request": "-3"}).status_code == 400


def test_a_lead_cannot_raise_their_own_allowance(client, alice, acme):
    client.force_login(alice.user)
    assert client.post("/teams/acme/credits/lead-allowance/", {"per_request": "1000"}).status_code == 403
    assert not LeadAllowance.objects.exists()


def test_the_team_page_offers_the_decision_only_within_the_allowance(client, alice, bob, staff, acme):
    allowance_set(team=acme, per_request=Decimal("50"), per_month=None, by=staff.user)
    small, large = _ask(acme, bob, "10"), _ask(acme, bob, "90")
    client.force_login(alice.user)
    page = client.get("/teams/acme/credits/").content.decode()
    assert f"/teams/acme/credit-requests/{small.pk}/decide/" in page
    assert f"/teams/acme/credit-requests/{large.pk}/decide/" not in page
    assert "up to $50.00 each" in page


def test_the_staff_queue_names_requests_the_leads_may_decide_and_who_decided(client, alice, bob, staff, acme):
    allowance_set(team=acme, per_request=Decimal("50"), per_month=None, by=staff.user)
    small = _ask(acme, bob, "10")
    _ask(acme, bob, "90")
    client.force_login(staff.user)
    page = client.get("/staff/credit-requests/").content.decode()
    assert page.count("the team’s admins may decide it too") == 1
    _decide(client, alice, small)
    client.force_login(staff.user)
    assert "decided by alice (Team admin)" in client.get("/staff/credit-requests/").content.decode()
