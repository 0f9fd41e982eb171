"""The admin's catalog actions: a one-request test per model and per provider, and what a provider
change does to the catalog."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages

from llmhub.models import CatalogModel, Deployment, Provider
from tests.fake_upstream import Fail, Reply
from tests.provider_env import clear_provider_env

pytestmark = pytest.mark.django_db


def run_action(client: Any, model: str, action: str, pks: list[int]) -> list[str]:
    response = client.post(
        f"/admin/llmhub/{model}/", {"action": action, "_selected_action": [str(pk) for pk in pks]}, secure=True
    )
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_model_test_action_reports_latency(admin_client, upstream):
    upstream.script("gpt-4.1", Reply(text="OK"))
    row = CatalogModel.objects.get(name="gpt-4.1")
    [message] = run_action(admin_client, "catalogmodel", "test_models", [row.pk])
    assert message.startswith("gpt-4.1: answered in ") and "via aisa:gpt-4.1" in message


def test_model_test_action_reports_the_upstream_error(admin_client, upstream):
    upstream.script("gpt-4.1", Fail(500, "boom"))
    row = CatalogModel.objects.get(name="gpt-4.1")
    [message] = run_action(admin_client, "catalogmodel", "test_models", [row.pk])
    assert message.startswith("gpt-4.1: failed after ")


def test_provider_test_action_reports_an_unreachable_provider(admin_client, upstream):
    row = Provider(name="openai", wire_format="openai", base_url="http://127.0.0.1:9/v1")
    row.set_api_key("sk-test")
    row.save()
    [message] = run_action(admin_client, "provider", "test_providers", [row.pk])
    assert message.startswith("openai: failed after ")


def test_charlie_cannot_run_the_test_action(client, charlie, upstream):
    client.force_login(charlie.user)
    row = CatalogModel.objects.get(name="gpt-4.1")
    response = client.post(
        "/admin/llmhub/catalogmodel/", {"action": "test_models", "_selected_action": [str(row.pk)]}, secure=True
    )
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not upstream.requests_for("/chat/completions")


def test_adding_a_provider_says_what_changed(admin_client, settings):
    settings.AISA_API_KEY = ""
    clear_provider_env(settings)
    response = admin_client.post(
        "/admin/llmhub/provider/add/",
        {
            "kind": "openai",
            "wire_format": "openai",
            "base_url": "http://127.0.0.1:9/v1",
            "enabled": "on",
            "api_key": "k",
        },
        secure=True,
    )
    text = " ".join(str(m) for m in get_messages(response.wsgi_request))
    # Every enabled model with an OpenAI deployment is now served by it first (AIsa is not configured).
    served = Deployment.objects.filter(provider="openai", enabled=True, model__enabled=True)
    assert f"openai: {served.values('model').distinct().count()}" in text
    assert "stay on the demo upstream until a configured provider deploys them" in text
