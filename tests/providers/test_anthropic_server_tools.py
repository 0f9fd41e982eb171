"""Anthropic answers that ran hosted tools (web search, MCP): relayed intact through /v1/messages, read as text
through /v1/chat/completions, and their web searches charged at genai-prices' per-call price."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from billing.models import UsageRecord
from tests.fake_upstream import Recorded
from tests.genai_pricing import genai_price, price_row_from_genai
from tests.providers import recorded_anthropic as shapes

pytestmark = pytest.mark.django_db(transaction=True)

UPSTREAM_ID = "claude-3-5-sonnet-20241022"  # the anthropic deployment of the catalog's claude-3-5-sonnet
# The hosted tool, declared as Anthropic's clients declare it: the hold covers its `max_uses` searches.
WEB_SEARCH = {"type": "web_search_20250305", "name": "web_search", "max_uses": 5}
ASK = {
    "model": "claude-3-5-sonnet",
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "Paris weather?"}],
    "tools": [WEB_SEARCH],
}
EXACT = Decimal("0.00000001")


@pytest.fixture
def priced(direct):
    """claude-3-5-sonnet at genai-prices' Claude Sonnet 4.5 prices: $10 per thousand web searches."""
    price_row_from_genai("claude-3-5-sonnet", "anthropic", "claude-sonnet-4-5")
    return direct


def _messages(hub_url: str, key: str, body: dict[str, Any]) -> httpx.Response:
    headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}
    return httpx.post(f"{hub_url}/messages", json=body, headers=headers, timeout=20)


def _events(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for frame in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in frame.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def _charged(searches: int) -> Decimal:
    return genai_price("anthropic", "claude-sonnet-4-5", input_tokens=10682, output_tokens=510, web_searches=searches)


def test_web_search_stream_reaches_messages_client_intact(hub_url, alice, priced):
    sent = shapes.web_search_events(searches=2)
    priced.script(UPSTREAM_ID, Recorded(frames=shapes.sse(sent)))
    response = _messages(hub_url, alice.key, {**ASK, "stream": True})
    assert response.status_code == 200
    received = _events(response.text)
    assert [name for name, _ in received] == [e["type"] for e in sent]
    for (_, got), want in zip(received, sent, strict=True):
        if want["type"] == "message_start":
            assert got["message"]["content"] == [] and got["message"]["id"] == want["message"]["id"]
        elif want["type"] != "message_delta":  # every block and delta as the upstream sent it
            assert got == want
    final = received[-2][1]
    assert final["usage"]["server_tool_use"] == {"web_search_requests": 2, "web_fetch_requests": 0}
    assert abs(Decimal(str(final["usage"]["cost"])) - _charged(2)) < EXACT
    record = UsageRecord.objects.get()
    assert (record.prompt_tokens, record.completion_tokens, record.status) == (10682, 510, "ok")
    assert abs(record.cost - _charged(2)) < EXACT
    assert record.cost - _charged(0) == Decimal("0.02")  # two searches at $0.01


def test_web_search_stream_arrives_as_text_through_chat_completions(openai_client, priced):
    priced.script(UPSTREAM_ID, Recorded(frames=shapes.sse(shapes.web_search_events(searches=3))))
    stream = openai_client.chat.completions.create(
        model="claude-3-5-sonnet",
        messages=[{"role": "user", "content": "Paris weather?"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Let me check.It is 9°C with rain."
    assert not any(c.choices and c.choices[0].delta.tool_calls for c in chunks)  # hosted calls are not the client's
    assert abs(UsageRecord.objects.get().cost - _charged(3)) < EXACT


def test_web_search_json_answer_charged_and_relayed(hub_url, alice, priced):
    body = shapes.web_search_message(searches=1)
    priced.script(UPSTREAM_ID, Recorded(body=body))
    response = _messages(hub_url, alice.key, ASK)
    assert response.status_code == 200
    assert response.json()["content"] == body["content"]
    assert response.json()["usage"]["server_tool_use"]["web_search_requests"] == 1
    assert abs(UsageRecord.objects.get().cost - _charged(1)) < EXACT


def test_web_search_json_through_chat_completions(openai_client, priced):
    priced.script(UPSTREAM_ID, Recorded(body=shapes.web_search_message(searches=2)))
    answer = openai_client.chat.completions.create(
        model="claude-3-5-sonnet", messages=[{"role": "user", "content": "Paris weather?"}]
    )
    assert answer.choices[0].message.content == "Let me check.It is 9°C with rain."
    assert (answer.usage.model_extra or {})["server_tool_requests"] == {"web_search": 2}
    assert abs(UsageRecord.objects.get().cost - _charged(2)) < EXACT


def test_unknown_block_delta_and_event_types_pass_through(hub_url, alice, priced):
    sent = shapes.web_search_events(searches=0)
    future: list[dict[str, Any]] = [
        {"type": "content_block_start", "index": 9, "content_block": {"type": "hologram", "frames": [1, 2]}},
        {"type": "content_block_delta", "index": 9, "delta": {"type": "hologram_delta", "frame": 3}},
        {"type": "content_block_stop", "index": 9},
        {"type": "status_update", "status": "searching"},
    ]
    sent = sent[:4] + future + sent[4:]
    priced.script(UPSTREAM_ID, Recorded(frames=shapes.sse(sent)))
    response = _messages(hub_url, alice.key, {**ASK, "stream": True})
    received = _events(response.text)
    assert [data for _, data in received[4:8]] == future
    assert received[-1][0] == "message_stop"


def test_tool_input_for_a_block_never_started_still_fails(hub_url, alice, priced):
    sent = shapes.web_search_events(searches=0)
    stray = {"type": "content_block_delta", "index": 7, "delta": {"type": "input_json_delta", "partial_json": "{}"}}
    priced.script(UPSTREAM_ID, Recorded(frames=shapes.sse([*sent[:4], stray, *sent[4:]])))
    received = _events(_messages(hub_url, alice.key, {**ASK, "stream": True}).text)
    assert received[-1][0] == "error"
    assert "never started" in received[-1][1]["error"]["message"]


@pytest.mark.parametrize("count", ["2", -1, 1.5, True])
def test_a_web_search_count_that_is_not_a_count_fails_the_answer(hub_url, alice, priced, count):
    body = shapes.web_search_message(searches=1)
    body["usage"]["server_tool_use"]["web_search_requests"] = count
    priced.script(UPSTREAM_ID, *[Recorded(body=body)] * 3)  # every attempt (retries) gets the same
    response = _messages(hub_url, alice.key, ASK)
    assert response.status_code == 502
    assert "malformed message (at usage.server_tool_use.web_search_requests)" in response.json()["error"]["message"]


def test_an_implausible_number_of_searches_is_cut_and_flagged(hub_url, alice, priced):
    body = shapes.web_search_message(searches=1)
    body["usage"]["server_tool_use"]["web_search_requests"] = 5_000_000
    priced.script(UPSTREAM_ID, Recorded(body=body))
    assert _messages(hub_url, alice.key, ASK).status_code == 200
    record = UsageRecord.objects.get()
    assert record.tokens_clamped
    # At most MAX_SERVER_TOOL_CALLS searches, and a clamped usage is charged at most the hold it was admitted with.
    assert Decimal(0) < record.cost <= _charged(100)
