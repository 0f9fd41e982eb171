"""Saves and deletes in the Django admin are in the audit log: roles and members (team inlines), people,
providers (the key as a fingerprint only), model prices and deployments; and an applied catalog sync."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from billing.display import exact_amount
from billing.models import AuditEntry, Membership
from llmhub.models import CatalogModel, Provider
from tests.admin_pages import admin_form_data

pytestmark = pytest.mark.django_db


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def test_a_role_change_in_the_team_admin_is_logged(admin_client, alice, bob, acme):
    page = admin_client.get(f"/admin/billing/team/{acme.pk}/change/", secure=True)
    data = admin_form_data(page)
    [index] = [k.split("-")[1] for k, v in data.items() if k.endswith("-id") and v == str(bob_membership(bob).pk)]
    data[f"memberships-{index}-role"] = "admin"
    response = admin_client.post(f"/admin/billing/team/{acme.pk}/change/", data, secure=True)
    assert response.status_code == 302, response.content[:3000]
    [entry] = _entries("membership.change")
    assert (entry.actor_label, entry.team_label, entry.target_type) == ("admin", "Acme", "membership")
    assert (entry.before, entry.after) == ({"role": "member"}, {"role": "admin"})
    assert not _entries("team.change")  # the team's own fields did not change


def bob_membership(bob: Any) -> Membership:
    return Membership.objects.get(user=bob.user)


def test_removing_a_member_in_the_team_admin_is_logged(admin_client, alice, bob, acme):
    data = admin_form_data(admin_client.get(f"/admin/billing/team/{acme.pk}/change/", secure=True))
    [index] = [k.split("-")[1] for k, v in data.items() if k.endswith("-id") and v == str(bob_membership(bob).pk)]
    data[f"memberships-{index}-DELETE"] = "on"
    assert admin_client.post(f"/admin/billing/team/{acme.pk}/change/", data, secure=True).status_code == 302
    [entry] = _entries("membership.delete")
    assert entry.before == {"user": "bob", "team": "acme", "role": "member"} and entry.after == {}
    assert entry.team_label == "Acme"


def test_making_someone_staff_in_the_user_admin_is_logged(admin_client, bob):
    data = admin_form_data(admin_client.get(f"/admin/auth/user/{bob.user.pk}/change/", secure=True))
    data["is_staff"] = "on"
    response = admin_client.post(f"/admin/auth/user/{bob.user.pk}/change/", data, secure=True)
    assert response.status_code == 302, response.content[:3000]
    [entry] = _entries("user.change")
    assert (entry.target_label, entry.before, entry.after) == ("bob", {"is_staff": False}, {"is_staff": True})


def test_a_provider_added_in_the_admin_is_logged_with_its_key_as_a_fingerprint(admin_client, settings):
    form = {"kind": "openai", "wire_format": "openai", "base_url": "http://127.0.0.1:9/v1", "enabled": "on",
            "api_key": "sk-very-secret"}  # fmt: skip
    assert admin_client.post("/admin/llmhub/provider/add/", form, secure=True).status_code == 302
    [entry] = _entries("provider.create")
    assert entry.team_id is None and entry.target_label == "openai"
    assert entry.after["base_url"] == "http://127.0.0.1:9/v1" and entry.after["api_key"].startswith("set (")
    assert "sk-very-secret" not in str(entry.after)
    provider = Provider.objects.get(name="openai")
    data = admin_form_data(admin_client.get(f"/admin/llmhub/provider/{provider.pk}/change/", secure=True))
    data["api_key"] = "sk-another-secret"
    assert admin_client.post(f"/admin/llmhub/provider/{provider.pk}/change/", data, secure=True).status_code == 302
    [changed] = _entries("provider.change")
    assert list(changed.after) == ["api_key"] and changed.before["api_key"] != changed.after["api_key"]


def test_a_price_change_and_a_new_deployment_in_the_model_admin_are_logged(admin_client):
    row = CatalogModel.objects.get(name="gpt-4o")
    url = f"/admin/llmhub/catalogmodel/{row.pk}/change/"
    data = admin_form_data(admin_client.get(url, secure=True))
    old_price = row.input_price
    data["input_price"] = "3.25"
    total = int(data["deployments-TOTAL_FORMS"])
    data |= {"deployments-TOTAL_FORMS": str(total + 1), f"deployments-{total}-provider": "ollama",
             f"deployments-{total}-upstream_model": "llama3", f"deployments-{total}-priority": "900",
             f"deployments-{total}-weight": "100", f"deployments-{total}-enabled": "on",
             f"deployments-{total}-model": str(row.pk)}  # fmt: skip
    response = admin_client.post(url, data, secure=True)
    assert response.status_code == 302, response.content[:3000]
    [price] = _entries("model.change")
    assert (price.before, price.after) == ({"input_price": exact_amount(old_price)}, {"input_price": "3.25"})
    [deployment] = _entries("deployment.create")
    assert deployment.after["provider"] == "ollama" and deployment.after["upstream_model"] == "llama3"
    assert CatalogModel.objects.get(pk=row.pk).input_price == Decimal("3.25")


def test_an_applied_catalog_sync_is_logged_with_old_and_new_prices():
    from io import StringIO

    from django.core.management import call_command

    call_command("sync_catalog", stdout=StringIO())
    [entry] = _entries("catalog.sync")
    assert entry.actor_id is None and entry.team_id is None and entry.target_type == "catalog_sync"
    assert "gpt-5" in entry.after["new"]
    assert "gpt-4.1" in entry.before["repriced"] and "gpt-4.1" in entry.after["repriced"]
    call_command("sync_catalog", "--dry-run", stdout=StringIO())
    assert len(_entries("catalog.sync")) == 1  # a dry run changes nothing and logs nothing
