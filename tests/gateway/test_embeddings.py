"""/v1/embeddings admitted through planning like chat: a key's model allowlist, its rate limits, the team's hard
budgets and the credit hold (written with its metering facts) apply to it."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from billing.models import Budget, HubKey, Refusal, UsageRecord

pytestmark = pytest.mark.django_db(transaction=True)

EMBED = {"model": "text-embedding-3-small", "input": "the cat sat"}


def _embed(hub_url, person, body=EMBED):
    return httpx.post(f"{hub_url}/embeddings", json=body, headers={"Authorization": f"Bearer {person.key}"}, timeout=20)


def test_a_key_limited_to_a_chat_model_may_not_embed_with_another(hub_url, upstream, alice):
    HubKey.objects.filter(user=alice.user).update(allowed_models=["gpt-4o"])
    response = _embed(hub_url, alice)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "model_not_allowed"
    assert upstream.requests_for("/embeddings") == []
    assert not UsageRecord.objects.exists()


def test_a_key_allowed_the_embedding_model_embeds(hub_url, upstream, alice):
    HubKey.objects.filter(user=alice.user).update(allowed_models=["gpt-4o", "text-embedding-3-small"])
    response = _embed(hub_url, alice)
    assert response.status_code == 200
    assert UsageRecord.objects.get().model_served == "text-embedding-3-small"


def test_embeddings_count_against_the_keys_requests_per_minute(hub_url, upstream, alice):
    HubKey.objects.filter(user=alice.user).update(rpm_limit=1)
    assert _embed(hub_url, alice).status_code == 200
    refused = _embed(hub_url, alice)
    assert refused.status_code == 429
    assert Refusal.objects.filter(status=429, model="text-embedding-3-small").count() == 1


def test_a_spent_hard_budget_refuses_embeddings_naming_the_model(hub_url, upstream, alice, acme):
    Budget.objects.create(team=acme, amount=Decimal("0.00000001"), period=Budget.DAILY, is_hard=True)
    response = _embed(hub_url, alice, {**EMBED, "input": "a longer text " * 50})
    assert response.status_code == 402
    assert upstream.requests_for("/embeddings") == []
    assert Refusal.objects.get().model == "text-embedding-3-small"
