"""Requests that fit: a hold too big for the team's credits runs with a lowered output cap, or is refused
naming the hold, the balance and how to lower it; refusals are recorded once; a key's model allowlist."""

from __future__ import annotations

from decimal import Decimal

import httpx
import openai
import pytest

from billing.models import HubKey, Refusal, Team, UsageRecord

pytestmark = pytest.mark.django_db(transaction=True)

ASK = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "Say hi"}]}


def _post(hub_url, person, body):
    return httpx.post(f"{hub_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {person.key}"})


def test_a_request_that_cannot_be_held_in_full_runs_with_a_lowered_output_cap(hub_url, upstream, alice, acme):
    # gpt-4.1's worst case with no max_tokens (32,768 output tokens at $8/1M) is about $0.26; the team has $0.05.
    Team.objects.filter(pk=acme.pk).update(balance=Decimal("0.05"))
    response = _post(hub_url, alice, ASK)
    assert response.status_code == 200
    lowered = int(response.headers["x-llmhub-max-tokens-lowered"])
    assert 256 <= lowered < 32_768
    assert lowered * Decimal("8") / 1_000_000 <= Decimal("0.05")
    assert upstream.received[-1].body["max_tokens"] == lowered
    assert UsageRecord.objects.get().status == "ok"
    assert not Refusal.objects.exists()


def test_the_lowered_cap_keeps_the_field_the_client_sent(hub_url, upstream, alice, acme):
    Team.objects.filter(pk=acme.pk).update(balance=Decimal("0.05"))
    response = _post(hub_url, alice, {**ASK, "max_completion_tokens": 20_000})
    assert response.status_code == 200
    sent = upstream.received[-1].body
    assert sent["max_completion_tokens"] == int(response.headers["x-llmhub-max-tokens-lowered"])
    assert "max_tokens" not in sent


def test_a_request_that_fits_in_full_is_not_lowered(hub_url, upstream, alice):
    response = _post(hub_url, alice, ASK)
    assert response.status_code == 200
    assert "x-llmhub-max-tokens-lowered" not in response.headers


def test_below_the_floor_the_refusal_names_the_hold_and_how_to_lower_it(hub_url, upstream, alice, acme):
    Team.objects.filter(pk=acme.pk).update(balance=Decimal("0.001"))  # room for ~125 output tokens: under 256
    response = _post(hub_url, alice, ASK)
    assert response.status_code == 402
    message = response.json()["error"]["message"]
    assert "held in full" in message and "$0.001" in message and "32,768 output tokens" in message
    assert upstream.received == []
    assert Refusal.objects.filter(status=402, code="insufficient_credits", model="gpt-4.1").count() == 1


def test_a_rate_limited_request_is_recorded_as_one_refusal(hub_url, upstream, alice):
    HubKey.objects.filter(user=alice.user).update(rpm_limit=1)
    assert _post(hub_url, alice, ASK).status_code == 200
    assert _post(hub_url, alice, ASK).status_code == 429
    assert Refusal.objects.filter(status=429).count() == 1


def test_an_invalid_request_from_a_known_key_is_recorded(hub_url, upstream, alice):
    assert _post(hub_url, alice, {"model": "gpt-4.1", "messages": []}).status_code == 400
    refusal = Refusal.objects.get()
    assert (refusal.status, refusal.user_id) == (400, alice.user.pk)


def test_a_key_limited_to_some_models_may_not_use_others(openai_client, upstream, alice):
    HubKey.objects.filter(user=alice.user).update(allowed_models=["gpt-4o-mini"])
    with pytest.raises(openai.PermissionDeniedError) as caught:
        openai_client.chat.completions.create(**ASK)
    assert caught.value.body["code"] == "model_not_allowed"
    assert upstream.received == []
    ok = openai_client.chat.completions.create(model="gpt-4o-mini", messages=ASK["messages"])
    assert ok.model == "gpt-4o-mini"


def test_fallbacks_outside_the_allowlist_are_skipped(hub_url, upstream, alice):
    HubKey.objects.filter(user=alice.user).update(allowed_models=["gpt-4o-mini"])
    response = _post(hub_url, alice, {**ASK, "model": "gpt-4o-mini", "models": ["gpt-4.1"]})
    assert response.status_code == 200
    assert [a["model"] for a in UsageRecord.objects.get().attempts] == ["gpt-4o-mini"]


def _price_gpt41(output: str, extras: dict[str, object]) -> None:
    from llmhub import catalog
    from llmhub.models import CatalogModel

    row = CatalogModel.objects.get(name="gpt-4.1")
    row.output_price, row.price_tiers = Decimal(output), extras
    row.save()
    catalog.invalidate()


def test_the_lowered_cap_is_priced_at_the_requests_service_tier(hub_url, upstream, alice, acme):
    # At $60/1M output a standard-priced cap for $1 is ~16,666 tokens, which costs $2 on the 2x priority tier.
    _price_gpt41("60", {"variants": {"priority": {"input": "4", "output": "120"}}})
    Team.objects.filter(pk=acme.pk).update(balance=Decimal("1"))
    response = _post(hub_url, alice, {**ASK, "service_tier": "priority"})
    assert response.status_code == 200, response.text
    lowered = int(response.headers["x-llmhub-max-tokens-lowered"])
    assert lowered >= 256 and lowered * Decimal("120") / 1_000_000 <= Decimal("1")
    assert upstream.received[-1].body["max_tokens"] == lowered
    assert UsageRecord.objects.get().status == "ok"


def test_the_lowered_cap_leaves_room_for_the_per_request_fee(hub_url, upstream, alice, acme):
    _price_gpt41("60", {"request": "0.5"})
    Team.objects.filter(pk=acme.pk).update(balance=Decimal("1"))
    response = _post(hub_url, alice, ASK)
    assert response.status_code == 200, response.text
    lowered = int(response.headers["x-llmhub-max-tokens-lowered"])
    assert lowered >= 256 and Decimal("0.5") + lowered * Decimal("60") / 1_000_000 <= Decimal("1")
