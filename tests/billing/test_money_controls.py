"""Team admins (and staff) set budgets, member caps and key limits on hub pages; nobody else can."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing.budgets import BudgetExceeded
from billing.keys import authenticate_key
from billing.ledger import reserve_credits
from billing.models import Budget, HubKey
from llmhub.errors import PermissionDenied

pytestmark = pytest.mark.django_db


def _as(client, person):
    client.force_login(person.user)
    return client


def _cap_form(member_id, amount="5", period="monthly", kind="hard", alert="80"):
    return {"new-member": member_id, "new-period": period, "new-amount": amount, "new-kind": kind,
            "new-alert_at_percent": alert}  # fmt: skip


def test_team_admin_sets_a_members_monthly_cap_on_the_team_page(client, alice, bob, acme):
    response = _as(client, alice).post("/teams/acme/budgets/", _cap_form(bob.user.pk, "0.01"))
    assert response.status_code == 302
    [cap] = Budget.objects.filter(team=acme)
    assert (cap.user_id, cap.period, cap.amount, cap.is_hard) == (bob.user.pk, "monthly", Decimal("0.01"), True)
    page = client.get("/teams/acme/credits/").content.decode()
    assert "Cap of bob" in page
    with pytest.raises(BudgetExceeded) as refused:
        reserve_credits(team_id=acme.pk, request_id="r1", amount=Decimal("0.02"), user_id=bob.user.pk)
    assert "bob's monthly cap of $0.01 on team acme" in refused.value.message


def test_a_member_cannot_set_a_cap(client, bob, acme):
    assert _as(client, bob).post("/teams/acme/budgets/", _cap_form(bob.user.pk)).status_code == 403
    assert not Budget.objects.exists()


def test_an_outsider_cannot_set_another_teams_budget(client, charlie, acme, alice):
    assert _as(client, charlie).post("/teams/acme/budgets/", _cap_form("")).status_code == 404
    assert not Budget.objects.exists()


def test_staff_set_a_budget_for_any_team(client, staff, charlie, globex):
    response = _as(client, staff).post("/teams/globex/budgets/", _cap_form("", "20", period="daily"))
    assert response.status_code == 302
    [budget] = Budget.objects.all()
    assert (budget.team_id, budget.user_id, budget.period, budget.amount) == (globex.pk, None, "daily", Decimal("20"))


def test_a_cap_for_someone_outside_the_team_is_refused(client, alice, charlie, acme):
    response = _as(client, alice).post("/teams/acme/budgets/", _cap_form(charlie.user.pk))
    assert response.status_code == 400
    assert not Budget.objects.exists()


def test_a_negative_limit_is_refused_with_the_form_shown_again(client, alice, bob):
    response = _as(client, alice).post("/teams/acme/budgets/", _cap_form(bob.user.pk, "-1"))
    assert response.status_code == 400 and "Limit (USD)" in response.content.decode()
    assert not Budget.objects.exists()


def test_a_soft_budget_alerts_but_never_refuses(alice, acme):
    Budget.objects.create(team=acme, amount=Decimal("0.01"), is_hard=False)
    reserve_credits(team_id=acme.pk, request_id="r1", amount=Decimal("0.50"), user_id=alice.user.pk)


def test_team_admin_changes_and_removes_a_budget(client, alice, acme):
    budget = Budget.objects.create(team=acme, amount=Decimal("10"))
    fields = {f"b{budget.pk}-period": "weekly", f"b{budget.pk}-amount": "12.5", f"b{budget.pk}-kind": "soft",
              f"b{budget.pk}-alert_at_percent": ""}  # fmt: skip
    assert _as(client, alice).post(f"/teams/acme/budgets/{budget.pk}/", fields).status_code == 302
    budget.refresh_from_db()
    assert (budget.period, budget.amount, budget.is_hard, budget.alert_at_percent) == (
        "weekly", Decimal("12.5"), False, None
    )  # fmt: skip
    assert client.post(f"/teams/acme/budgets/{budget.pk}/delete/").status_code == 302
    assert not Budget.objects.exists()


def test_a_team_admin_cannot_change_another_teams_budget(client, alice, charlie, globex):
    budget = Budget.objects.create(team=globex, amount=Decimal("10"))
    assert _as(client, alice).post(f"/teams/acme/budgets/{budget.pk}/delete/").status_code == 404
    assert _as(client, alice).post(f"/teams/globex/budgets/{budget.pk}/delete/").status_code == 404
    assert Budget.objects.filter(pk=budget.pk).exists()


def _key_form(**fields):
    form = {"rpm_limit": "", "tpm_limit": "", "budget_amount": "", "budget_period": "monthly",
            "allowed_models": "", "expires_on": ""}  # fmt: skip
    form.update(fields)
    return form


def test_team_admin_sets_a_members_key_limits(client, alice, bob):
    key = HubKey.objects.get(user=bob.user)
    authenticate_key(bob.key)  # cached: the new settings must still apply at once
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    form = _key_form(rpm_limit="5", tpm_limit="1000", budget_amount="3", allowed_models="gpt-4o, gpt-4o-mini",
                     expires_on=tomorrow)  # fmt: skip
    assert _as(client, alice).get(f"/keys/{key.pk}/settings/").status_code == 200
    assert client.post(f"/keys/{key.pk}/settings/", form).status_code == 302
    key.refresh_from_db()
    assert (key.rpm_limit, key.tpm_limit, key.allowed_models) == (5, 1000, ["gpt-4o", "gpt-4o-mini"])
    assert key.expires_at is not None
    [budget] = Budget.objects.filter(key=key)
    assert (budget.amount, budget.period) == (Decimal("3"), "monthly")
    identity = authenticate_key(bob.key)
    assert identity.rpm_limit == 5 and identity.allowed_models == ("gpt-4o", "gpt-4o-mini")
    identity.check_model("gpt-4o")
    with pytest.raises(PermissionDenied) as refused:
        identity.check_model("gpt-4.1")
    assert refused.value.code == "model_not_allowed" and "gpt-4o, gpt-4o-mini" in refused.value.message


def test_clearing_a_keys_budget_removes_it(client, alice, bob):
    key = HubKey.objects.get(user=bob.user)
    Budget.objects.create(team=key.team, key=key, amount=Decimal("3"))
    assert _as(client, alice).post(f"/keys/{key.pk}/settings/", _key_form()).status_code == 302
    assert not Budget.objects.filter(key=key).exists()


def test_a_member_cannot_set_limits_even_on_their_own_key(client, bob):
    key = HubKey.objects.get(user=bob.user)
    assert _as(client, bob).post(f"/keys/{key.pk}/settings/", _key_form(rpm_limit="1000")).status_code == 404
    key.refresh_from_db()
    assert key.rpm_limit is None


def test_an_outsider_cannot_see_or_set_a_keys_limits(client, charlie, bob):
    key = HubKey.objects.get(user=bob.user)
    assert _as(client, charlie).get(f"/keys/{key.pk}/settings/").status_code == 404
    assert client.post(f"/keys/{key.pk}/settings/", _key_form(rpm_limit="1")).status_code == 404


def test_staff_set_limits_on_any_key(client, staff, charlie):
    key = HubKey.objects.get(user=charlie.user)
    assert _as(client, staff).post(f"/keys/{key.pk}/settings/", _key_form(tpm_limit="50")).status_code == 302
    key.refresh_from_db()
    assert key.tpm_limit == 50


def test_key_settings_refuse_bad_values(client, alice, bob):
    key = HubKey.objects.get(user=bob.user)
    bad = _key_form(rpm_limit="0", allowed_models="gpt-4o <script>", expires_on="2000-01-01")
    response = _as(client, alice).post(f"/keys/{key.pk}/settings/", bad)
    assert response.status_code == 400
    key.refresh_from_db()
    assert key.rpm_limit is None and key.allowed_models == []


def test_an_empty_allowlist_allows_every_model(bob):
    authenticate_key(bob.key).check_model("any-model-at-all")
