"""Hostile upstreams: malformed chunks end the stream with the error event, usage is sanitised and bounded,
time limits hold on bytes, upstream error text never reaches a client, and every request settles once."""

from __future__ import annotations

import json
import logging
import math
import time

import httpx
import pytest

from billing.models import CreditLedgerEntry
from tests.fake_upstream import Fail, Reply, Trickle
from tests.usage_records import wait_for_record

pytestmark = pytest.mark.django_db(transaction=True)

PROMPT = [{"role": "user", "content": "say hello"}]


def _stream(hub_url, key, **extra):
    body = {"model": "gpt-4o", "messages": PROMPT, "stream": True, "stream_options": {"include_usage": True}, **extra}
    return httpx.post(f"{hub_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=20)


def _complete(hub_url, key, **extra):
    body = {"model": "gpt-4o", "messages": PROMPT, **extra}
    return httpx.post(f"{hub_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=20)


def _events(response):
    return [line[6:] for line in response.text.splitlines() if line.startswith("data: ") and line != "data: [DONE]"]


@pytest.mark.parametrize(
    "bad_chunk",
    [{"choices": 5}, {"choices": [{"delta": "x"}]}, {"choices": [{"delta": {"content": 5}}]}],
    ids=["choices-not-a-list", "delta-not-an-object", "content-not-text"],
)
def test_malformed_chunk_mid_stream_ends_with_the_error_event(hub_url, upstream, alice, bad_chunk):
    upstream.script("gpt-4o", Reply(text="one two three", raw_chunks=[bad_chunk]))
    response = _stream(hub_url, alice.key)
    assert response.status_code == 200
    events = _events(response)
    assert json.loads(events[1])["choices"][0]["delta"]["content"] == "one"
    last = json.loads(events[-1])
    assert last["error"]["code"] == "upstream_error"
    assert "malformed" in last["error"]["message"]
    record = wait_for_record(response.headers["x-request-id"])
    assert record.status == "error"
    assert record.error_code == "upstream_error"
    assert CreditLedgerEntry.objects.filter(kind="charge").count() == 1


def test_usage_with_text_counts_is_counted_by_the_hub(hub_url, upstream, alice):
    upstream.script("gpt-4o", Reply(text="one two three", raw_usage={"prompt_tokens": "abc", "completion_tokens": 3}))
    response = _stream(hub_url, alice.key)
    usage = json.loads(_events(response)[-1])["usage"]
    assert usage["completion_tokens"] > 0
    record = wait_for_record(response.headers["x-request-id"])
    assert record.status == "ok"
    assert record.tokens_estimated


@pytest.mark.parametrize(
    "raw_usage",
    [
        {"prompt_tokens": -5, "completion_tokens": 3, "total_tokens": -2},
        {"prompt_tokens": 5, "completion_tokens": 3, "prompt_tokens_details": {"cached_tokens": -100}},
    ],
    ids=["negative-prompt", "negative-cached"],
)
def test_negative_usage_settles_with_the_hubs_own_count(hub_url, upstream, alice, raw_usage):
    upstream.script("gpt-4o", Reply(text="one two three", raw_usage=raw_usage))
    response = _complete(hub_url, alice.key)
    assert response.status_code == 200
    assert response.json()["usage"]["prompt_tokens"] > 0
    record = wait_for_record(response.headers["x-request-id"])
    assert record.status == "ok"
    assert record.tokens_estimated
    assert record.cost > 0


@pytest.mark.parametrize("cost", [1e30, math.nan, -1.0], ids=["huge", "nan", "negative"])
def test_implausible_upstream_cost_is_dropped(hub_url, upstream, alice, cost):
    upstream.script("gpt-4o", Reply(text="one two three", completion_tokens=3, cost=cost))
    response = _complete(hub_url, alice.key)
    assert response.status_code == 200
    record = wait_for_record(response.headers["x-request-id"])
    assert record.status == "ok"
    assert record.upstream_cost is None
    assert 0 < record.cost < 1


def test_plausible_upstream_cost_is_kept(hub_url, upstream, alice):
    upstream.script("gpt-4o", Reply(text="one two three", completion_tokens=3, cost=0.0001))
    response = _complete(hub_url, alice.key)
    record = wait_for_record(response.headers["x-request-id"])
    assert str(record.upstream_cost) == "0.00010000"


def test_completion_tokens_beyond_max_tokens_are_clamped_and_flagged(hub_url, upstream, alice, acme):
    upstream.script("gpt-4o", Reply(text="one two three", completion_tokens=50_000_000))
    response = _complete(hub_url, alice.key, max_tokens=100)
    assert response.status_code == 200
    assert response.json()["usage"]["completion_tokens"] == 100
    record = wait_for_record(response.headers["x-request-id"])
    assert record.completion_tokens == 100
    assert record.tokens_clamped
    acme.refresh_from_db()
    assert acme.balance > 99


def test_streamed_completion_tokens_are_clamped_to_max_tokens_times_n(hub_url, upstream, alice):
    upstream.script("gpt-4o", Reply(text="one two three", completion_tokens=50_000_000))
    response = _stream(hub_url, alice.key, max_tokens=100, n=2)
    assert json.loads(_events(response)[-1])["usage"]["completion_tokens"] == 200
    record = wait_for_record(response.headers["x-request-id"])
    assert record.completion_tokens == 200 and record.tokens_clamped


def test_honest_usage_is_not_flagged(hub_url, upstream, alice):
    upstream.script("gpt-4o", Reply(text="one two three", completion_tokens=3))
    response = _complete(hub_url, alice.key, max_tokens=100)
    record = wait_for_record(response.headers["x-request-id"])
    assert record.completion_tokens == 3 and not record.tokens_clamped


def test_bytes_without_newlines_are_cut_at_the_total_time_limit(hub_url, upstream, alice, settings):
    settings.UPSTREAM_TOTAL_TIMEOUT = 1.0
    upstream.script("gpt-4o", Trickle(seconds=8), Trickle(seconds=8))
    started = time.monotonic()
    response = _stream(hub_url, alice.key)
    assert time.monotonic() - started < 4
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "upstream_timeout"
    assert wait_for_record(response.headers["x-request-id"]).status == "error"


def test_a_line_longer_than_the_cap_fails_that_attempt_at_once(hub_url, upstream, alice, settings):
    settings.UPSTREAM_MAX_LINE_BYTES = 256 * 1024
    upstream.script("gpt-4o", Trickle(seconds=6, flood_bytes=4 * 1024 * 1024), Reply(text="fine"))
    started = time.monotonic()
    response = _stream(hub_url, alice.key)
    assert time.monotonic() - started < 3
    assert response.status_code == 200
    record = wait_for_record(response.headers["x-request-id"])
    assert record.attempts[0]["code"] == "upstream_error"
    assert record.attempts[-1]["status"] == "ok"


@pytest.mark.parametrize("status", [400, 401, 500])
def test_upstream_error_text_never_reaches_the_client(hub_url, upstream, alice, status, caplog):
    upstream.script("gpt-4o", *[Fail(status, message="secret-internal-detail", echo_headers=True)] * 4)
    with caplog.at_level(logging.WARNING, logger="llmhub.upstream"):
        response = _complete(hub_url, alice.key)
    assert response.status_code in (400, 502)
    text = response.text
    assert "fake-aisa-key" not in text and "secret-internal-detail" not in text
    assert str(status) in response.json()["error"]["message"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "secret-internal-detail" in logged
    assert "fake-aisa-key" not in logged


def test_upstream_error_event_text_never_reaches_the_stream(hub_url, upstream, alice):
    leak = {"error": {"message": "key fake-aisa-key is over quota"}}
    upstream.script("gpt-4o", Reply(text="one two three", raw_chunks=[leak]))
    response = _stream(hub_url, alice.key)
    assert "fake-aisa-key" not in response.text
    assert json.loads(_events(response)[-1])["error"]["code"] == "upstream_error"
