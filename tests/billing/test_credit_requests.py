"""Credit requests: members ask, staff approve (a grant in the ledger) or decline; both sides are told."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from billing.models import CreditLedgerEntry, CreditRequest, Team

pytestmark = pytest.mark.django_db


def _as(client, person):
    client.force_login(person.user)
    return client


def _ask(client, person, slug="acme", amount="40", reason="demo day"):
    return _as(client, person).post(f"/teams/{slug}/credits/ask/", {"amount": amount, "reason": reason})


def test_a_member_asks_for_credits_and_staff_are_emailed(client, bob, staff, acme):
    assert _ask(client, bob).status_code == 302
    [asked] = CreditRequest.objects.all()
    assert (asked.team_id, asked.requested_by_id, asked.amount, asked.state) == (
        acme.pk, bob.user.pk, Decimal("40"), "open"
    )  # fmt: skip
    [email] = mail.outbox
    assert email.to == ["root@example.com"] and "$40.00" in email.subject and "demo day" in email.body
    assert "/staff/credit-requests/" in email.body
    assert "demo day" in client.get("/teams/acme/credits/ask/").content.decode()


def test_an_outsider_cannot_ask_for_another_teams_credits(client, charlie, acme):
    assert _ask(client, charlie).status_code == 404
    assert not CreditRequest.objects.exists()


def test_a_request_for_nothing_is_refused(client, bob):
    assert _ask(client, bob, amount="0").status_code == 400
    assert not CreditRequest.objects.exists()


def test_the_team_admin_asks_from_the_team_page(client, alice, acme):
    assert _ask(client, alice).status_code == 302
    page = client.get("/teams/acme/credits/").content.decode()
    assert "demo day" in page and "asked by alice" in page


def test_staff_approve_and_the_balance_rises_by_that_amount(client, bob, alice, staff, acme):
    _ask(client, bob)
    asked = CreditRequest.objects.get()
    mail.outbox.clear()
    response = _as(client, staff).post(
        f"/staff/credit-requests/{asked.pk}/decide/", {"decision": "approve", "note": "enjoy"}
    )
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.balance == Decimal("140")
    asked.refresh_from_db()
    assert asked.state == "approved" and asked.grant is not None and asked.grant.amount == Decimal("40")
    assert asked.grant.kind == CreditLedgerEntry.GRANT and asked.grant.created_by_id == staff.user.pk
    to_bob, to_alice = mail.outbox  # the requester and the team's admin, each with a page they can open
    assert (to_bob.to, to_alice.to) == (["bob@example.com"], ["alice@example.com"])
    for email in (to_bob, to_alice):
        assert "approved" in email.subject and "enjoy" in email.body and "$140.00" in email.body
    assert "/teams/acme/credits/ask/" in to_bob.body and "/teams/acme/credits/\n" in to_alice.body
    assert "approved" in _as(client, bob).get("/teams/acme/credits/ask/").content.decode()


def test_approving_twice_grants_once(client, bob, staff, acme):
    _ask(client, bob)
    asked = CreditRequest.objects.get()
    _as(client, staff).post(f"/staff/credit-requests/{asked.pk}/decide/", {"decision": "approve"})
    client.post(f"/staff/credit-requests/{asked.pk}/decide/", {"decision": "approve"})
    assert Team.objects.get(pk=acme.pk).balance == Decimal("140")


def test_staff_decline_and_nothing_is_granted(client, bob, staff, acme):
    _ask(client, bob)
    asked = CreditRequest.objects.get()
    mail.outbox.clear()
    _as(client, staff).post(f"/staff/credit-requests/{asked.pk}/decide/", {"decision": "decline", "note": "too much"})
    asked.refresh_from_db()
    assert asked.state == "declined" and asked.grant is None
    assert Team.objects.get(pk=acme.pk).balance == Decimal("100")
    [email] = mail.outbox
    assert "declined" in email.subject and "too much" in email.body


def test_only_staff_see_the_queue_and_decide(client, alice, bob, acme):
    _ask(client, bob)
    asked = CreditRequest.objects.get()
    assert _as(client, alice).get("/staff/credit-requests/").status_code == 403
    assert client.post(f"/staff/credit-requests/{asked.pk}/decide/", {"decision": "approve"}).status_code == 403
    assert Team.objects.get(pk=acme.pk).balance == Decimal("100")
