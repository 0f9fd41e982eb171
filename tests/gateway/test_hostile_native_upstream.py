"""Hostile Anthropic and Gemini upstreams: a body, event or usage object that breaks the native wire format is
that upstream's failure — a 502 in the hub's error shape, or the error event after the first byte — and every
such request is recorded and charged exactly once."""

from __future__ import annotations

import json

import httpx
import pytest

from billing.models import CreditLedgerEntry, UsageRecord
from tests.fake_upstream import Garbage, Reply
from tests.usage_records import wait_for_record

pytestmark = pytest.mark.django_db(transaction=True)

CLAUDE = "claude-3-5-sonnet-20241022"  # the upstream model behind the hub's claude-3-5-sonnet
FLASH = "gemini-2.0-flash"
ATTEMPTS = 4  # more than the hub makes, so every retry meets the same fault


def _post(hub_url, key, model, *, stream):
    body = {"model": model, "messages": [{"role": "user", "content": "say hello"}], "stream": stream}
    if stream:
        body["stream_options"] = {"include_usage": True}
    return httpx.post(f"{hub_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=20)


def _events(response):
    return [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: {")]


def _assert_failed_once(response):
    """One usage record, in error, with its one charge."""
    record = wait_for_record(response.headers["x-request-id"])
    assert record.status == "error"
    assert record.error_code == "upstream_error"
    assert UsageRecord.objects.count() == 1
    assert CreditLedgerEntry.objects.filter(kind="charge", usage=record).count() == 1
    assert CreditLedgerEntry.objects.filter(kind="charge").count() == 1


def _assert_json_502(response, *, words="malformed"):
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "upstream_error"
    assert error["type"] == "api_error"
    assert words in error["message"]
    _assert_failed_once(response)


def _assert_error_event_after(response, first_text, *, words="malformed"):
    assert response.status_code == 200
    events = _events(response)
    texts = [e["choices"][0]["delta"].get("content") for e in events if e.get("choices")]
    assert first_text in texts
    last = events[-1]
    assert set(last) == {"error"}
    assert last["error"]["code"] == "upstream_error"
    assert words in last["error"]["message"]
    assert "usage" not in last
    _assert_failed_once(response)


# --- Anthropic -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"type": "message", "content": "hello"}',
        b'{"type": "message", "content": [{"type": "text", "text": 5}]}',
        b'{"type": "message", "content": [{"type": "tool_use", "name": "f", "input": {}}]}',
        b'{"type": "message", "content": [{"text": "no type"}]}',
        b'{"type": "message"}',
    ],
    ids=["content-not-a-list", "text-not-text", "tool-use-without-id", "block-without-type", "no-content"],
)
def test_anthropic_malformed_message_is_a_502(hub_url, direct, alice, body):
    direct.script(CLAUDE, *[Garbage(body)] * ATTEMPTS)
    response = _post(hub_url, alice.key, "claude-3-5-sonnet", stream=False)
    _assert_json_502(response)
    assert "(at " in response.json()["error"]["message"]


def test_anthropic_json_that_is_not_an_object_is_a_502(hub_url, direct, alice):
    direct.script(CLAUDE, *[Garbage(b'["a", "list"]')] * ATTEMPTS)
    _assert_json_502(_post(hub_url, alice.key, "claude-3-5-sonnet", stream=False), words="not an object")


@pytest.mark.parametrize(
    "usage",
    [
        {"input_tokens": "11", "output_tokens": 3},
        {"input_tokens": 11, "output_tokens": -3},
        {"input_tokens": 11, "output_tokens": 3, "cache_read_input_tokens": -100},
        {"input_tokens": 11, "output_tokens": 2.5},
        {"output_tokens": 3},
    ],
    ids=["text-count", "negative-output", "negative-cache-read", "fractional", "no-input-count"],
)
def test_anthropic_message_with_bad_usage_is_a_502(hub_url, direct, alice, usage):
    direct.script(CLAUDE, *[Reply(text="one two three", raw_usage=usage)] * ATTEMPTS)
    _assert_json_502(_post(hub_url, alice.key, "claude-3-5-sonnet", stream=False))


@pytest.mark.parametrize(
    "event",
    [
        {"type": "content_block_delta", "delta": "x"},
        {"type": "content_block_delta", "index": 0, "delta": "x"},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": 5}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": {}}},
        {"type": "content_block_delta", "index": -1, "delta": {"type": "thinking_delta", "thinking": "hm"}},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "name": "f"}},
        {"type": "message_start", "message": {"content": 5}},
        {"type": 7},
        {"no": "type"},
    ],
    ids=[
        "delta-not-an-object-no-index",
        "delta-not-an-object",
        "text-not-text",
        "partial-json-not-text",
        "negative-index",
        "tool-use-without-id",
        "message-start-content",
        "type-not-text",
        "no-type",
    ],
)
def test_anthropic_malformed_event_mid_stream_ends_with_the_error_event(hub_url, direct, alice, event):
    direct.script(CLAUDE, Reply(text="one two three", raw_chunks=[event]))
    _assert_error_event_after(_post(hub_url, alice.key, "claude-3-5-sonnet", stream=True), "one")


@pytest.mark.parametrize("event", [[1, 2], "text", 5, None], ids=["list", "string", "number", "null"])
def test_anthropic_event_that_is_not_an_object_ends_with_the_error_event(hub_url, direct, alice, event):
    direct.script(CLAUDE, Reply(text="one two three", raw_chunks=[event]))
    _assert_error_event_after(_post(hub_url, alice.key, "claude-3-5-sonnet", stream=True), "one", words="not an object")


@pytest.mark.parametrize(
    "usage",
    [{"output_tokens": "3"}, {"output_tokens": -3}, {"output_tokens": 3, "input_tokens": "11"}, {"input_tokens": 11}],
    ids=["text-count", "negative-output", "text-input", "no-output-count"],
)
def test_anthropic_stream_with_bad_usage_ends_with_the_error_event(hub_url, direct, alice, usage):
    direct.script(CLAUDE, Reply(text="one two three", raw_usage=usage))
    _assert_error_event_after(_post(hub_url, alice.key, "claude-3-5-sonnet", stream=True), " three")


def test_anthropic_events_the_hub_does_not_read_still_pass(hub_url, direct, alice):
    """Types Anthropic adds later, and ones the hub skips, are not faults: the stream completes and bills."""
    later = [
        {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "c2ln"}},
        {"type": "content_block_start", "index": 5, "content_block": {"type": "redacted_thinking", "data": "x"}},
        {"type": "brand_new_event", "whatever": [1, 2]},
        {"type": "ping"},
    ]
    direct.script(CLAUDE, Reply(text="one two three", raw_chunks=later))
    response = _post(hub_url, alice.key, "claude-3-5-sonnet", stream=True)
    events = _events(response)
    assert "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e.get("choices")) == "one two three"
    assert "usage" in events[-1]
    record = wait_for_record(response.headers["x-request-id"])
    assert record.status == "ok"
    assert record.completion_tokens == 3
    assert CreditLedgerEntry.objects.filter(kind="charge").count() == 1


# --- Gemini ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"candidates": 5}',
        b'{"candidates": [{"content": {"parts": "hello"}}]}',
        b'{"candidates": [{"content": {"parts": [{"text": 5}]}, "finishReason": "STOP"}]}',
        b'{"candidates": [{"content": {"parts": [{"functionCall": {"args": {}}}]}, "finishReason": "STOP"}]}',
        b'{"candidates": [{"content": {"parts": [{"text": "hi"}]}, "finishReason": 1}]}',
        b'{"candidates": [{"content": {"parts": [{"text": "hi"}]}, "finishReason": "STOP"}], "promptFeedback": 3}',
    ],
    ids=[
        "candidates-not-a-list",
        "parts-not-a-list",
        "text-not-text",
        "call-without-name",
        "reason-not-text",
        "feedback",
    ],
)
def test_gemini_malformed_response_is_a_502(hub_url, direct, alice, body):
    direct.script(FLASH, *[Garbage(body)] * ATTEMPTS)
    response = _post(hub_url, alice.key, FLASH, stream=False)
    _assert_json_502(response)
    assert "(at " in response.json()["error"]["message"]


def test_gemini_json_that_is_not_an_object_is_a_502(hub_url, direct, alice):
    direct.script(FLASH, *[Garbage(b"42")] * ATTEMPTS)
    _assert_json_502(_post(hub_url, alice.key, FLASH, stream=False), words="not an object")


@pytest.mark.parametrize(
    "usage",
    [
        {"promptTokenCount": "11", "candidatesTokenCount": 3},
        {"promptTokenCount": -11, "candidatesTokenCount": 3},
        {"promptTokenCount": 11, "candidatesTokenCount": 3, "thoughtsTokenCount": -30},
        {"promptTokenCount": 11, "candidatesTokenCount": True},
        "eleven",
    ],
    ids=["text-count", "negative-prompt", "negative-thoughts", "bool-count", "not-an-object"],
)
def test_gemini_response_with_bad_usage_is_a_502(hub_url, direct, alice, usage):
    direct.script(FLASH, *[Reply(text="one two three", raw_usage=usage)] * ATTEMPTS)
    _assert_json_502(_post(hub_url, alice.key, FLASH, stream=False))


@pytest.mark.parametrize(
    "chunk",
    [
        {"candidates": 5},
        {"candidates": [{"content": {"parts": "x"}, "index": 0}]},
        {"candidates": [{"content": {"parts": [{"text": ["x"]}]}, "index": 0}]},
        {"candidates": [{"content": {"parts": [{"text": "x", "thought": "yes"}]}, "index": 0}]},
        {"candidates": [{"content": {"parts": [{"functionCall": {"name": "f", "args": "{}"}}]}, "index": 0}]},
        {"candidates": [{"content": {"parts": [{"text": "x"}]}, "index": "0"}]},
    ],
    ids=["candidates-not-a-list", "parts-not-a-list", "text-not-text", "thought-not-a-bool", "args-text", "index"],
)
def test_gemini_malformed_chunk_mid_stream_ends_with_the_error_event(hub_url, direct, alice, chunk):
    direct.script(FLASH, Reply(text="one two three", raw_chunks=[chunk]))
    _assert_error_event_after(_post(hub_url, alice.key, FLASH, stream=True), "one")


@pytest.mark.parametrize("chunk", [[1, 2], "text", None], ids=["list", "string", "null"])
def test_gemini_chunk_that_is_not_an_object_ends_with_the_error_event(hub_url, direct, alice, chunk):
    direct.script(FLASH, Reply(text="one two three", raw_chunks=[chunk]))
    _assert_error_event_after(_post(hub_url, alice.key, FLASH, stream=True), "one", words="not an object")


@pytest.mark.parametrize(
    "usage",
    [
        {"promptTokenCount": 11, "candidatesTokenCount": "3"},
        {"promptTokenCount": -11, "candidatesTokenCount": 3},
        {"promptTokenCount": 11, "candidatesTokenCount": 3.5},
    ],
    ids=["text-count", "negative-prompt", "fractional"],
)
def test_gemini_stream_with_bad_final_usage_ends_with_the_error_event(hub_url, direct, alice, usage):
    direct.script(FLASH, Reply(text="one two three", raw_usage=usage))
    _assert_error_event_after(_post(hub_url, alice.key, FLASH, stream=True), " three")


def test_gemini_fields_the_hub_does_not_read_still_pass(hub_url, direct, alice):
    """Keys beside the ones the hub reads (safety ratings, inline data, citations) are not faults."""
    extra = {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"inlineData": {"mimeType": "image/png", "data": "iVBO"}}]},
                "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}],
                "citationMetadata": {"citationSources": []},
                "index": 0,
            }
        ],
        "usageMetadata": {"promptTokenCount": 11, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 11}]},
    }
    direct.script(FLASH, Reply(text="one two three", raw_chunks=[extra]))
    response = _post(hub_url, alice.key, FLASH, stream=True)
    events = _events(response)
    assert "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e.get("choices")) == "one two three"
    assert "usage" in events[-1]
    record = wait_for_record(response.headers["x-request-id"])
    assert record.status == "ok"
    assert record.completion_tokens == 3
    assert CreditLedgerEntry.objects.filter(kind="charge").count() == 1
