"""The admin shows budgets, their counters and alerts; a budget cannot name another team's key or user."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.models import Budget, HubKey


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["budget", "budgetspend", "billingalert", "hubkey", "team"])
def test_admin_lists_enforcement_models(admin_client, alice, model):
    assert admin_client.get(f"/admin/billing/{model}/", secure=True).status_code == 200


@pytest.mark.django_db
def test_admin_creates_a_budget(admin_client, alice, acme):
    response = admin_client.post(
        "/admin/billing/budget/add/",
        {
            "team": acme.pk,
            "user": alice.user.pk,
            "amount": "25",
            "period": "weekly",
            "alert_at_percent": "80",
            "is_active": "on",
            "name": "alice weekly",
        },
        secure=True,
    )
    assert response.status_code == 302, response.content[:2000]
    assert Budget.objects.get().scope == "user"


@pytest.mark.django_db
def test_budget_cannot_name_another_teams_key_or_user(alice, charlie, globex):
    with pytest.raises(ValidationError) as caught:
        Budget(team=globex, key=HubKey.objects.get(user=alice.user), amount=Decimal("1")).full_clean()
    assert "another team" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        Budget(team=globex, user=alice.user, amount=Decimal("1")).full_clean()
    assert "not a member" in str(caught.value)
    with pytest.raises(ValidationError):
        Budget(team=globex, amount=Decimal("-1")).full_clean()
    Budget(team=globex, user=charlie.user, amount=Decimal("1")).full_clean()
