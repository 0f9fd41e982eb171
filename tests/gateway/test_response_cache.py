"""The response cache: identical deterministic requests are answered again at zero cost, marked as hits."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from billing.models import CreditLedgerEntry, UsageRecord
from tests.fake_upstream import Fail, Reply

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


def _chat(hub_url, key, headers=None, **body):
    payload = {"model": "gpt-4.1", "messages": QUESTION, "temperature": 0, **body}
    payload = {k: v for k, v in payload.items() if v is not None}
    return httpx.post(
        f"{hub_url}/chat/completions",
        json=payload,
        headers={"Authorization": f"Bearer {key}", **(headers or {})},
        timeout=20,
    )


def _stream(hub_url, key, headers=None, **body):
    payload = {"model": "gpt-4.1", "messages": QUESTION, "temperature": 0, "stream": True, **body}
    with httpx.stream(
        "POST",
        f"{hub_url}/chat/completions",
        json=payload,
        headers={"Authorization": f"Bearer {key}", **(headers or {})},
        timeout=20,
    ) as response:
        events = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    chunks = [json.loads(e) for e in events if e != "[DONE]"]
    text = "".join((c["choices"][0]["delta"].get("content") or "") for c in chunks if c["choices"])
    return response, text, chunks, events


def _upstream_calls(upstream):
    return len(upstream.requests_for("/chat/completions"))


def test_miss_then_hit_costs_nothing_and_is_marked(hub_url, upstream, alice, acme):
    upstream.script("gpt-4.1", Reply(text="Paris.", prompt_tokens=12, completion_tokens=2))
    first = _chat(hub_url, alice.key)
    second = _chat(hub_url, alice.key)
    assert (first.headers["x-llmhub-cache"], second.headers["x-llmhub-cache"]) == ("miss", "hit")
    assert _upstream_calls(upstream) == 1
    assert second.json()["choices"] == first.json()["choices"]
    assert Decimal(str(second.json()["usage"]["cost"])) == 0
    paid, hit = UsageRecord.objects.order_by("created_at", "id")
    assert (paid.cache_hit, paid.cost) == (False, Decimal("0.00004"))  # 12 × $2/M + 2 × $8/M
    assert (hit.cache_hit, hit.cost, hit.status, hit.model_served) == (True, Decimal("0"), "ok", "gpt-4.1")
    assert (hit.prompt_tokens, hit.completion_tokens) == (12, 2)
    assert hit.request_id == second.headers["x-request-id"] != paid.request_id
    assert hit.charge.amount == 0 and CreditLedgerEntry.objects.filter(kind="charge").count() == 2
    acme.refresh_from_db()
    assert acme.balance == Decimal("100") - Decimal("0.00004") and acme.reserved == 0


def test_a_stream_is_replayed_from_a_cached_json_answer(hub_url, upstream, alice):
    upstream.script("gpt-4.1", Reply(text="Paris is the capital."))
    _chat(hub_url, alice.key)
    response, text, chunks, events = _stream(hub_url, alice.key, stream_options={"include_usage": True})
    assert response.headers["x-llmhub-cache"] == "hit"
    assert text == "Paris is the capital." and events[-1] == "[DONE]"
    assert chunks[-1]["usage"]["cost"] == 0 and chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert _upstream_calls(upstream) == 1
    hit = UsageRecord.objects.get(cache_hit=True)
    assert hit.stream and hit.cost == 0


def test_a_json_request_is_served_from_a_cached_stream(hub_url, upstream, alice):
    upstream.script("gpt-4.1", Reply(text="Paris, of course.", chunks=["Paris", ",", " of course."]))
    response, text, _, _ = _stream(hub_url, alice.key)
    assert response.headers["x-llmhub-cache"] == "miss" and text == "Paris, of course."
    second = _chat(hub_url, alice.key)
    assert second.headers["x-llmhub-cache"] == "hit"
    assert second.json()["choices"][0]["message"]["content"] == "Paris, of course."
    assert _upstream_calls(upstream) == 1


@pytest.mark.parametrize("opt_out", [{"x-llmhub-cache": "skip"}, {"Cache-Control": "no-cache"}])
def test_a_client_can_opt_out(hub_url, upstream, alice, opt_out):
    _chat(hub_url, alice.key)
    response = _chat(hub_url, alice.key, headers=opt_out)
    assert "x-llmhub-cache" not in response.headers
    assert _upstream_calls(upstream) == 2
    assert not UsageRecord.objects.filter(cache_hit=True).exists()


def test_temperature_above_zero_is_not_cached_without_opt_in(hub_url, upstream, alice):
    _chat(hub_url, alice.key, temperature=0.7)
    response = _chat(hub_url, alice.key, temperature=0.7)
    assert "x-llmhub-cache" not in response.headers and _upstream_calls(upstream) == 2
    _chat(hub_url, alice.key, model="gpt-4o", temperature=None)  # the model's default is not deterministic
    _chat(hub_url, alice.key, model="gpt-4o", temperature=None)
    assert _upstream_calls(upstream) == 4


def test_temperature_above_zero_is_cached_with_opt_in(hub_url, upstream, alice):
    use = {"x-llmhub-cache": "use"}
    assert _chat(hub_url, alice.key, headers=use, temperature=0.7).headers["x-llmhub-cache"] == "miss"
    assert _chat(hub_url, alice.key, headers=use, temperature=0.7).headers["x-llmhub-cache"] == "hit"
    assert _upstream_calls(upstream) == 1


def test_teams_never_share_answers(hub_url, upstream, alice, bob, charlie):
    _chat(hub_url, alice.key)
    assert _chat(hub_url, bob.key).headers["x-llmhub-cache"] == "hit"  # same team
    assert _chat(hub_url, charlie.key).headers["x-llmhub-cache"] == "miss"  # another team
    assert _upstream_calls(upstream) == 2
    assert UsageRecord.objects.get(user=charlie.user).cache_hit is False


def test_different_parameters_miss_but_user_and_stream_options_do_not_matter(hub_url, upstream, alice):
    _chat(hub_url, alice.key, user="u-1")
    assert _chat(hub_url, alice.key, user="u-2").headers["x-llmhub-cache"] == "hit"
    assert _chat(hub_url, alice.key, max_tokens=5).headers["x-llmhub-cache"] == "miss"
    assert _chat(hub_url, alice.key, model="gpt-4o").headers["x-llmhub-cache"] == "miss"
    other = [{"role": "user", "content": "What is the capital of Spain?"}]
    assert _chat(hub_url, alice.key, messages=other).headers["x-llmhub-cache"] == "miss"
    assert _upstream_calls(upstream) == 4


def test_failures_are_not_cached(hub_url, upstream, alice):
    upstream.script("gpt-4.1", Fail(400, "bad"), Reply(text="Paris."))
    assert _chat(hub_url, alice.key).status_code == 400
    assert _chat(hub_url, alice.key).headers["x-llmhub-cache"] == "miss"
    assert _chat(hub_url, alice.key).json()["choices"][0]["message"]["content"] == "Paris."


def test_a_hit_on_an_auto_request_keeps_its_route(hub_url, upstream, alice):
    _chat(hub_url, alice.key, model="auto")
    response = _chat(hub_url, alice.key, model="auto")
    assert response.headers["x-llmhub-cache"] == "hit"
    assert json.loads(response.headers["x-llmhub-route"])["model"] == "gpt-4o-mini"
    hit = UsageRecord.objects.get(cache_hit=True)
    assert hit.route["model"] == "gpt-4o-mini" and Decimal(hit.route["baseline_cost"]) > 0


def test_a_zero_ttl_turns_the_cache_off(hub_url, upstream, alice, settings):
    settings.RESPONSE_CACHE_TTL = 0
    _chat(hub_url, alice.key)
    assert "x-llmhub-cache" not in _chat(hub_url, alice.key).headers
    assert _upstream_calls(upstream) == 2


@pytest.mark.parametrize("value", [b"Use", b"definitely", b"hit", "🙂".encode(), b"x" * 5000])
def test_odd_cache_header_values_are_harmless(hub_url, upstream, alice, value):
    response = _chat(hub_url, alice.key, headers={"x-llmhub-cache": value})
    assert response.status_code == 200
    assert response.headers["x-llmhub-cache"] == "miss"
