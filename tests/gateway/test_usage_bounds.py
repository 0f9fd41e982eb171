"""A lying upstream's usage: prompt tokens bounded by the hub's own estimate (chat and embeddings), a clamped
charge never past the hold nor a hard budget, and counts out of every range still ending as one usage record
and one charge with the hold released."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from billing.models import Budget, BudgetSpend, CreditHold, CreditLedgerEntry, Team, UsageRecord
from llmhub.gateway import charging
from tests.fake_upstream import Reply
from tests.usage_records import wait_for_record

pytestmark = pytest.mark.django_db(transaction=True)

HELLO = [{"role": "user", "content": "hello"}]


def _post(hub_url, key, path, body):
    return httpx.post(f"{hub_url}{path}", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=20)


def _chat(hub_url, key, *, stream=False, **extra):
    body = {"model": "gpt-4o", "messages": HELLO, "max_tokens": 5, **extra}
    if stream:
        body |= {"stream": True, "stream_options": {"include_usage": True}}
    return _post(hub_url, key, "/chat/completions", body)


def _settled_once(response) -> UsageRecord:
    """The request's one usage record, its one charge, and no hold left behind (in the books or renewing)."""
    record = wait_for_record(response.headers["x-request-id"])
    assert UsageRecord.objects.filter(request_id=record.request_id).count() == 1
    assert CreditLedgerEntry.objects.filter(kind="charge", usage=record).count() == 1
    assert not CreditHold.objects.exists()
    assert record.request_id not in charging.live_requests()
    return record


def test_a_huge_prompt_count_for_hello_is_clamped_to_the_hubs_estimate(hub_url, upstream, alice, acme):
    upstream.script("gpt-4o", Reply(text="hi", prompt_tokens=2_000_000_000, completion_tokens=1))
    response = _chat(hub_url, alice.key)
    assert response.status_code == 200
    assert response.json()["usage"]["prompt_tokens"] < 5_000
    record = _settled_once(response)
    assert record.tokens_clamped
    assert record.prompt_tokens < 5_000
    assert record.cost < Decimal("0.01")
    acme.refresh_from_db()
    assert acme.balance > Decimal("99.99")


def test_a_plausible_prompt_count_is_kept_unflagged(hub_url, upstream, alice):
    upstream.script("gpt-4o", Reply(text="hi", prompt_tokens=9, completion_tokens=1))
    record = _settled_once(_chat(hub_url, alice.key))
    assert (record.prompt_tokens, record.tokens_clamped) == (9, False)


def test_a_streamed_huge_prompt_count_is_clamped(hub_url, upstream, alice):
    upstream.script("gpt-4o", Reply(text="hi", prompt_tokens=2_000_000_000, completion_tokens=1))
    response = _chat(hub_url, alice.key, stream=True)
    events = [line[6:] for line in response.text.splitlines() if line.startswith("data: {")]
    assert json.loads(events[-1])["usage"]["prompt_tokens"] < 5_000
    record = _settled_once(response)
    assert record.tokens_clamped and record.cost < Decimal("0.01")


def test_a_lying_prompt_count_never_crosses_a_hard_daily_budget(hub_url, upstream, alice, acme):
    Team.objects.filter(pk=acme.pk).update(balance=Decimal("20"))
    budget = Budget.objects.create(team=acme, amount=Decimal("1"), period=Budget.DAILY, is_hard=True)
    upstream.script("gpt-4o", Reply(text="hi", prompt_tokens=2_000_000_000, completion_tokens=1))
    response = _chat(hub_url, alice.key)
    assert response.status_code == 200
    record = _settled_once(response)
    assert record.charge.amount >= Decimal("-1")
    acme.refresh_from_db()
    assert acme.balance >= Decimal("19")
    assert BudgetSpend.objects.get(budget=budget).spent <= Decimal("1")


def test_embedding_x_with_a_huge_input_count_costs_next_to_nothing(hub_url, upstream, alice, acme):
    upstream.script("text-embedding-3-small", Reply(raw_usage={"prompt_tokens": 50_000_000_000, "total_tokens": 1}))
    response = _post(hub_url, alice.key, "/embeddings", {"model": "text-embedding-3-small", "input": "x"})
    assert response.status_code == 200
    record = _settled_once(response)
    assert record.tokens_clamped
    assert record.prompt_tokens < 5_000
    assert record.cost < Decimal("0.0001")
    acme.refresh_from_db()
    assert acme.balance > Decimal("99.9999")


OVERFLOWING = {
    "prompt-10^30": {"prompt_tokens": 10**30, "completion_tokens": 1, "total_tokens": 10**30 + 1},
    "completion-10^30": {"prompt_tokens": 5, "completion_tokens": 10**30, "total_tokens": 10**30 + 5},
    "cached-10^30": {"prompt_tokens": 5, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 10**30}},
    "reasoning-10^30": {
        "prompt_tokens": 5,
        "completion_tokens": 1,
        "completion_tokens_details": {"reasoning_tokens": 10**30},
    },
    "huge-float": {"prompt_tokens": 1e300, "completion_tokens": 1e300, "total_tokens": 2e300},
    "fractional": {"prompt_tokens": 2.5, "completion_tokens": 1, "total_tokens": 3.5},
    "negative": {"prompt_tokens": -(10**30), "completion_tokens": 1, "total_tokens": 1},
}


@pytest.mark.parametrize("raw_usage", OVERFLOWING.values(), ids=OVERFLOWING.keys())
def test_an_overflowing_count_ends_as_one_record_and_one_charge(hub_url, upstream, alice, acme, raw_usage):
    upstream.script("gpt-4o", Reply(text="hi there", raw_usage=raw_usage))
    response = _chat(hub_url, alice.key)
    assert response.status_code == 200
    assert response.json()["usage"]["total_tokens"] < 10_000
    record = _settled_once(response)
    assert record.status == "ok"
    assert Decimal("0") < record.cost < Decimal("0.01")


@pytest.mark.parametrize("raw_usage", OVERFLOWING.values(), ids=OVERFLOWING.keys())
def test_an_overflowing_streamed_count_ends_as_one_record_and_one_charge(hub_url, upstream, alice, raw_usage):
    upstream.script("gpt-4o", Reply(text="hi there", raw_usage=raw_usage))
    response = _chat(hub_url, alice.key, stream=True)
    assert response.status_code == 200
    assert response.text.rstrip().endswith("data: [DONE]")
    events = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: {")]
    assert events[-1]["usage"]["total_tokens"] < 10_000
    record = _settled_once(response)
    assert record.status == "ok"
    assert Decimal("0") < record.cost < Decimal("0.01")


def test_an_overflowing_embedding_count_ends_as_one_record_and_one_charge(hub_url, upstream, alice):
    upstream.script("text-embedding-3-small", Reply(raw_usage={"prompt_tokens": 10**30, "total_tokens": 10**30}))
    response = _post(hub_url, alice.key, "/embeddings", {"model": "text-embedding-3-small", "input": "x"})
    assert response.status_code == 200
    record = _settled_once(response)
    assert record.tokens_clamped and record.cost < Decimal("0.0001")


def test_a_passed_through_body_counts_toward_the_prompt_bound(hub_url, upstream, alice, direct):
    # The client's own Anthropic body goes upstream as is, thinking blocks included (the canonical form drops
    # them): the prompt an upstream reports for it is bounded by that body, not by the canonical messages.
    thought = {"type": "thinking", "thinking": "a" * 8_000, "signature": "sig"}
    body = {
        "model": "claude-3-5-sonnet", "max_tokens": 5,
        "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [thought, {"type": "text", "text": "ok"}]},
                     {"role": "user", "content": "go on"}],
    }  # fmt: skip
    upstream.script("claude-3-5-sonnet-20241022", Reply(text="hi", prompt_tokens=4_000, completion_tokens=1))
    headers = {"x-api-key": alice.key, "anthropic-version": "2023-06-01"}
    response = httpx.post(f"{hub_url}/messages", json=body, headers=headers, timeout=20)
    assert response.status_code == 200, response.text
    assert upstream.requests_for("/messages")[-1].body["messages"][1]["content"][0]["type"] == "thinking"
    record = _settled_once(response)
    assert (record.prompt_tokens, record.tokens_clamped) == (4_000, False)


NATIVE_OVERFLOW = {
    "anthropic": ("claude-3-5-sonnet", "claude-3-5-sonnet-20241022", {"input_tokens": 10**30, "output_tokens": 1}),
    "gemini": ("gemini-2.0-flash", "gemini-2.0-flash", {"promptTokenCount": 10**30, "candidatesTokenCount": 1}),
}


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize("model,upstream_model,usage", NATIVE_OVERFLOW.values(), ids=NATIVE_OVERFLOW.keys())
def test_an_overflowing_native_count_ends_as_one_record_and_one_charge(
    hub_url, upstream, alice, direct, model, upstream_model, usage, stream
):
    direct.script(upstream_model, *[Reply(text="hi there", raw_usage=usage)] * 4)
    response = _chat(hub_url, alice.key, stream=stream, model=model)
    assert response.status_code == 200
    record = _settled_once(response)
    assert record.tokens_clamped and record.prompt_tokens < 5_000 and record.cost < Decimal("0.01")


def test_a_large_response_schema_counts_toward_the_prompt_bound(hub_url, upstream, alice):
    # A structured-output schema goes upstream with the prompt and is billed as input.
    properties = {f"field_{n}": {"type": "string", "description": "a field " * 8} for n in range(200)}
    schema = {"name": "big", "schema": {"type": "object", "properties": properties}}
    upstream.script("gpt-4o", Reply(text="{}", prompt_tokens=6_000, completion_tokens=1))
    response = _chat(hub_url, alice.key, response_format={"type": "json_schema", "json_schema": schema})
    assert response.status_code == 200, response.text
    record = _settled_once(response)
    assert (record.prompt_tokens, record.tokens_clamped) == (6_000, False)


@pytest.mark.parametrize("with_audio", [True, False], ids=["audio-part", "text-only"])
def test_a_media_part_the_hub_cannot_size_widens_the_prompt_bound(hub_url, upstream, alice, direct, with_audio):
    """An audio part may bill tens of thousands of prompt tokens the hub cannot count from its bytes (a file by
    reference, a long recording): its allowance keeps that charge; the same count for text alone is cut."""
    parts: list[dict[str, Any]] = [{"text": "What is said?"}]
    if with_audio:
        parts.append({"fileData": {"mimeType": "audio/mp3", "fileUri": "https://generativelanguage.example/files/a1"}})
    direct.script(
        "gemini-2.0-flash",
        Reply(text="A dog barks.", raw_usage={"promptTokenCount": 60_000, "candidatesTokenCount": 4}),
    )
    response = httpx.post(
        f"{hub_url}/models/gemini-2.0-flash:generateContent",
        json={"contents": [{"role": "user", "parts": parts}]},
        params={"key": alice.key},
        timeout=20,
    )
    assert response.status_code == 200, response.text
    record = _settled_once(response)
    assert (record.prompt_tokens == 60_000) is with_audio
    assert record.tokens_clamped is not with_audio


def test_media_parts_counts_any_json_without_failing():
    from llmhub.gateway.tokens import media_parts

    assert media_parts({"type": {"nested": 1}, "content": [{"type": ["x"]}, {"type": "input_audio"}]}) == 1
    assert media_parts([{"inlineData": {"mimeType": "image/png"}}, {"inlineData": {"mimeType": 5}}]) == 1
    assert media_parts("text") == 0
