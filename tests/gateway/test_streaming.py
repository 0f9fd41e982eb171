"""Streams: keep-alives skipped, mid-stream failures as a final error event, disconnects metered once."""

from __future__ import annotations

import json
import time

import httpx
import openai
import pytest

from billing.models import CreditHold, CreditLedgerEntry, UsageRecord
from tests.fake_upstream import Drop, Garbage, Reply
from tests.usage_records import wait_for_record

pytestmark = pytest.mark.django_db(transaction=True)


def test_client_disconnect_after_three_chunks_is_billed_once(hub_url, upstream, alice, acme):
    words = [f" w{i}" for i in range(40)]
    upstream.script("gpt-4o", Reply(chunks=words, chunk_delay=0.05, completion_tokens=40))
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "count"}], "stream": True}
    with (
        httpx.Client(timeout=10) as client,
        client.stream(
            "POST", f"{hub_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {alice.key}"}
        ) as response,
    ):
        request_id = response.headers["x-request-id"]
        seen = 0
        for line in response.iter_lines():
            if line.startswith("data: "):
                seen += 1
            if seen == 3:
                break
    record = wait_for_record(request_id)
    assert record.status == "cancelled"
    assert record.error_code == "client_disconnected"
    # Two content words reached the client with the role chunk; a few more may have been in flight.
    assert 1 <= record.completion_tokens < 40
    assert record.tokens_estimated
    assert record.cost > 0
    time.sleep(0.3)
    assert UsageRecord.objects.count() == 1
    assert CreditLedgerEntry.objects.filter(kind="charge").count() == 1
    assert CreditHold.objects.count() == 0
    acme.refresh_from_db()
    assert acme.reserved == 0
    assert acme.balance == 100 - record.cost
    # The upstream stream was abandoned, not read to the end.
    deadline = time.monotonic() + 5
    while upstream.active_streams and time.monotonic() < deadline:
        time.sleep(0.05)
    assert upstream.active_streams == 0


def test_upstream_failure_mid_stream_is_a_final_error_event(hub_url, upstream, alice):
    upstream.script("gpt-4o", Drop(after_chunks=3))
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "x y z w"}], "stream": True}
    response = httpx.post(
        f"{hub_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {alice.key}"}, timeout=10
    )
    events = [line[6:] for line in response.text.splitlines() if line.startswith("data: ")]
    assert response.status_code == 200
    assert "[DONE]" not in events
    last = json.loads(events[-1])
    assert last["error"]["type"] == "api_error"
    record = wait_for_record(response.headers["x-request-id"])
    assert record.status == "error"


def test_openai_sdk_raises_on_mid_stream_error(openai_client, upstream):
    upstream.script("gpt-4o", Drop(after_chunks=2))
    stream = openai_client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "a b c"}], stream=True
    )
    with pytest.raises(openai.APIError):
        for _ in stream:
            pass


def test_malformed_sse_from_upstream(hub_url, upstream, alice):
    upstream.script("gpt-4o", Garbage(b"data: {not json\n\n"), Garbage(b"data: {not json\n\n"))
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "stream": True}
    response = httpx.post(
        f"{hub_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {alice.key}"}, timeout=10
    )
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "upstream_error"


def test_keepalive_comments_are_not_forwarded(hub_url, upstream, alice):
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "stream": True}
    response = httpx.post(
        f"{hub_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {alice.key}"}, timeout=10
    )
    assert "keep-alive" not in response.text
    assert response.text.rstrip().endswith("data: [DONE]")


def test_tokens_arrive_before_the_stream_ends(hub_url, upstream, alice):
    upstream.script("gpt-4o", Reply(chunks=["a", "b", "c", "d"], chunk_delay=0.3))
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "stream": True}
    started = time.monotonic()
    arrivals = []
    with httpx.stream(
        "POST", f"{hub_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {alice.key}"}, timeout=10
    ) as r:
        for line in r.iter_lines():
            if '"content":"a"' in line or '"content":"d"' in line:
                arrivals.append(time.monotonic() - started)
    assert len(arrivals) == 2
    assert arrivals[1] - arrivals[0] > 0.6  # not buffered whole
