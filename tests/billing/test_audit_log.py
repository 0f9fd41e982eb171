"""The audit log: each action of a team admin or staff on the hub pages appends one entry with who, what,
before → after, the page request's id and address; entries are never changed or deleted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from billing.models import AppendOnly, AuditEntry, Budget, CreditLedgerEntry, CreditRequest, HubKey

pytestmark = pytest.mark.django_db

SECRET_URL = "https://93.184.215.14/hooks/T000-secret-token"


def _as(client, person):
    client.force_login(person.user)
    return client


def _only(action: str) -> AuditEntry:
    [entry] = AuditEntry.objects.filter(action=action)
    return entry


def _cap_form(member_id, amount="5", prefix="new"):
    return {f"{prefix}-member": member_id, f"{prefix}-period": "monthly", f"{prefix}-amount": amount,
            f"{prefix}-kind": "hard", f"{prefix}-alert_at_percent": "80"}  # fmt: skip


def test_a_leads_member_cap_is_logged_when_set_changed_and_removed(client, alice, bob, acme):
    _as(client, alice).post("/teams/acme/budgets/", _cap_form(bob.user.pk, "5"), REMOTE_ADDR="203.0.113.7")
    created = _only("budget.create")
    assert (created.actor_id, created.actor_label, created.team_id, created.team_label) == (
        alice.user.pk, "alice", acme.pk, "Acme"
    )  # fmt: skip
    assert (created.target_type, created.target_label) == ("member_cap", "bob")
    assert created.before == {} and created.after["amount"] == "5.00" and created.after["user"] == "bob"
    assert created.ip == "203.0.113.7" and len(created.request_id) == 32

    cap = Budget.objects.get()
    form = _cap_form("", "7.5", prefix=f"b{cap.pk}")
    assert client.post(f"/teams/acme/budgets/{cap.pk}/", form, HTTP_X_REQUEST_ID="req-edit-1").status_code == 302
    changed = _only("budget.change")
    assert (changed.before, changed.after, changed.request_id) == ({"amount": "5.00"}, {"amount": "7.50"}, "req-edit-1")

    assert client.post(f"/teams/acme/budgets/{cap.pk}/delete/").status_code == 302
    removed = _only("budget.delete")
    assert removed.before["amount"] == "7.50" and removed.after == {} and removed.target_id == str(cap.pk)


def test_saving_a_budget_unchanged_logs_nothing(client, alice, bob, acme):
    _as(client, alice).post("/teams/acme/budgets/", _cap_form(bob.user.pk, "5"))
    cap = Budget.objects.get()
    client.post(f"/teams/acme/budgets/{cap.pk}/", _cap_form("", "5", prefix=f"b{cap.pk}"))
    assert not AuditEntry.objects.filter(action="budget.change").exists()


def test_a_keys_limits_are_logged_before_and_after(client, alice, bob):
    key = HubKey.objects.get(user=bob.user)
    form = {"rpm_limit": "60", "tpm_limit": "", "budget_amount": "3", "budget_period": "monthly",
            "allowed_models": "gpt-4o", "expires_on": ""}  # fmt: skip
    assert _as(client, alice).post(f"/keys/{key.pk}/settings/", form).status_code == 302
    entry = _only("key.change")
    assert entry.actor_label == "alice" and entry.target_label == str(key) and entry.team_label == "Acme"
    assert entry.before == {"rpm_limit": None, "allowed_models": [], "budget": None}
    assert entry.after == {"rpm_limit": 60, "allowed_models": ["gpt-4o"], "budget": "3.00 monthly"}


def test_a_lead_revoking_a_members_key_is_logged(client, alice, bob):
    key = HubKey.objects.get(user=bob.user)
    assert _as(client, alice).post(f"/keys/{key.pk}/revoke/").status_code == 302
    entry = _only("key.revoke")
    key.refresh_from_db()
    assert (entry.actor_label, entry.before, entry.after) == (
        "alice", {"revoked_at": None}, {"revoked_at": key.revoked_at.isoformat()}
    )  # fmt: skip


def test_a_key_made_on_the_keys_page_is_logged_without_its_secret(client, bob):
    assert not AuditEntry.objects.filter(action="key.create", actor_id=bob.user.pk).exists()  # fixtures: the hub's
    team_id = HubKey.objects.get(user=bob.user).team_id
    response = _as(client, bob).post("/keys/", {"team": team_id, "name": "laptop", "expires_on": ""})
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="key.create", actor_id=bob.user.pk)
    key = HubKey.objects.get(name="laptop")
    assert entry.after == {"user": "bob", "name": "laptop", "prefix": key.prefix, "expires_at": None}
    assert key.hashed_key not in str(entry.after) and response.context["plaintext"] not in str(entry.after)


def test_the_threshold_and_webhook_are_logged_and_the_webhook_secret_is_not(client, alice, acme):
    _as(client, alice).post("/teams/acme/credits/threshold/", {"threshold": "12.5"})
    threshold = _only("team.change")
    assert (threshold.before, threshold.after) == ({"low_balance_threshold": None}, {"low_balance_threshold": "12.50"})
    client.post("/teams/acme/credits/webhook/", {"url": SECRET_URL})
    webhook = AuditEntry.objects.filter(action="team.change").exclude(pk=threshold.pk).get()
    assert webhook.after["alert_webhook_url"].startswith("https://93.184.215.14/… set (")
    assert "secret-token" not in str(webhook.after) and webhook.before == {"alert_webhook_url": ""}


def test_a_staff_grant_is_logged_pointing_at_its_ledger_row(client, staff, acme):
    form = {"team": acme.pk, "kind": "grant", "amount": "25", "memo": "pilot"}
    assert _as(client, staff).post("/staff/credits/", form).status_code == 302
    entry = _only("credits.grant")
    ledger = CreditLedgerEntry.objects.get(memo="pilot")
    assert (entry.target_type, entry.target_id, entry.target_label, entry.actor_label) == (
        "ledger_entry", str(ledger.pk), "pilot", "root"
    )  # fmt: skip
    assert entry.before == {"balance": "100.00"} and entry.after == {"balance": "125.00", "amount": "25.00"}


def test_an_approved_credit_request_is_one_entry_naming_its_grant(client, staff, bob, acme):
    asked = CreditRequest.objects.create(team=acme, requested_by=bob.user, amount=Decimal("40"), reason="demo")
    url = f"/staff/credit-requests/{asked.pk}/decide/"
    assert _as(client, staff).post(url, {"decision": "approve", "note": "ok"}).status_code == 302
    entry = _only("credit_request.approve")
    grant = CreditLedgerEntry.objects.get(kind="grant", memo__startswith="Credit request")
    assert entry.before == {"state": "open"}
    assert entry.after == {"state": "approved", "note": "ok", "ledger_entry": grant.pk, "balance": "140.00"}
    assert not AuditEntry.objects.filter(action="credits.grant").exists()  # the decision names it; not twice


def test_a_declined_credit_request_is_logged(client, staff, bob, acme):
    asked = CreditRequest.objects.create(team=acme, requested_by=bob.user, amount=Decimal("40"), reason="demo")
    _as(client, staff).post(f"/staff/credit-requests/{asked.pk}/decide/", {"decision": "decline", "note": "no"})
    entry = _only("credit_request.decline")
    assert (entry.team_label, entry.after) == ("Acme", {"state": "declined", "note": "no"})


def test_the_grant_command_is_logged_as_the_hub_itself(acme):
    from django.core.management import call_command

    call_command("grant_credits", "acme", "5", "--memo", "from the shell")
    entry = _only("credits.grant")
    assert (entry.actor_id, entry.actor_label, entry.ip, entry.request_id) == (None, "", None, "")


def _entry(acme) -> AuditEntry:
    from billing.audit_log import record

    entry = record(None, "team.change", acme, {"name": "Acme"}, {"name": "Acme Ltd"})
    assert entry is not None
    return entry


def test_an_entry_cannot_be_changed_or_deleted_through_the_orm(acme):
    entry = _entry(acme)
    entry.after = {"name": "forged"}
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(after={})
    with pytest.raises(AppendOnly):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).after == {"name": "Acme Ltd"}


def test_the_database_refuses_an_update_in_sql(acme):
    entry = _entry(acme)
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE billing_auditentry SET after = '{}' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).after == {"name": "Acme Ltd"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps DELETE for the test database's flush")
def test_postgresql_refuses_a_delete_in_sql(acme):
    entry = _entry(acme)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM billing_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_deleting_a_person_leaves_their_entries(alice, acme):
    from billing.audit_log import record

    by_alice = record(alice.user, "team.change", acme, {"name": "Acme"}, {"name": "Acme Ltd"})
    assert by_alice is not None
    HubKey.objects.filter(user=alice.user).delete()
    alice.user.delete()
    kept = AuditEntry.objects.get(pk=by_alice.pk)
    assert (kept.actor_label, kept.after) == ("alice", {"name": "Acme Ltd"})


def test_teams_and_members_made_from_the_command_line_are_logged_as_the_hub_itself():
    from io import StringIO

    from django.core.management import call_command

    call_command("create_team", "initech", "--name", "Initech", "--credits", "10", stdout=StringIO())
    call_command("create_key", "milton", "--team", "initech", stdout=StringIO(), stderr=StringIO())
    team = _only("team.create")
    assert (team.actor_id, team.team_label, team.after["slug"], team.after["name"]) == (
        None,
        "Initech",
        "initech",
        "Initech",
    )
    member = _only("membership.create")
    assert (member.team_label, member.after["user"], member.after["role"]) == ("Initech", "milton", "member")
    assert _only("credits.grant").after == {"balance": "10.00", "amount": "10.00"}
    assert _only("key.create").after["user"] == "milton"
    call_command("create_team", "initech", stdout=StringIO())  # exists: nothing new
    assert AuditEntry.objects.filter(action="team.create").count() == 1
