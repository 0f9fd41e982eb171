"""Usage as each client format shows it, and as it is charged: Anthropic's one-hour cache writes at their
own rate, thinking tokens shown where the upstream counts them, cache writes in Responses usage."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from billing.models import UsageRecord
from tests.fake_upstream import Recorded
from tests.genai_pricing import genai_price, price_row_from_genai
from tests.providers import recorded_anthropic as claude
from tests.providers import recorded_gemini as gemini

pytestmark = pytest.mark.django_db(transaction=True)

CLAUDE_ID = "claude-3-5-sonnet-20241022"
EXACT = Decimal("0.00000001")
HI = [{"role": "user", "content": "2+2?"}]
# The cached answers bill ~8,000 prompt tokens: the prompt sent is that long (the hub bounds a reported prompt
# by what it sent, llmhub/gateway/usage_bounds.py).
LONG_QUESTION = "Using the notes below, 2+2? " + "notes " * 3_000
LONG = [{"role": "user", "content": LONG_QUESTION}]
CACHED = {"reads": 4000, "writes_5m": 1000, "writes_1h": 3000}
# genai-prices' own price of that usage: 21 plain input, 4000 read, 1000 written for 5 min, 3000 for an hour.
CACHED_USAGE = {
    "input_tokens": 8021,
    "cache_read_tokens": 4000,
    "cache_write_tokens": 4000,
    "cache_write_1h_tokens": 3000,
    "output_tokens": 95,
}


@pytest.fixture
def priced(direct):
    """claude-3-5-sonnet at genai-prices' Claude Sonnet 4.5 prices: 5-minute writes $3.75/M, 1-hour $6/M."""
    price_row_from_genai("claude-3-5-sonnet", "anthropic", "claude-sonnet-4-5")
    return direct


def _messages(hub_url, key, body):
    headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}
    return httpx.post(f"{hub_url}/messages", json=body, headers=headers, timeout=20)


def _expected() -> Decimal:
    return genai_price("anthropic", "claude-sonnet-4-5", **CACHED_USAGE)


def test_one_hour_cache_writes_charged_at_the_one_hour_rate(hub_url, alice, priced):
    priced.script(CLAUDE_ID, Recorded(body=claude.thinking_message(**CACHED)))
    response = _messages(hub_url, alice.key, {"model": "claude-3-5-sonnet", "max_tokens": 2048, "messages": LONG})
    usage = response.json()["usage"]
    assert usage["cache_creation"] == {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 3000}
    record = UsageRecord.objects.get()
    assert abs(record.cost - _expected()) < EXACT
    assert abs(Decimal(str(usage["cost"])) - _expected()) < EXACT
    # Priced as 5-minute writes, the hour-long ones cost 3000 × $2.25/M less.
    assert record.cost - genai_price(
        "anthropic", "claude-sonnet-4-5", **{**CACHED_USAGE, "cache_write_1h_tokens": 0}
    ) == (Decimal("0.00675"))


def test_one_hour_cache_writes_in_a_translated_stream(openai_client, priced):
    priced.script(CLAUDE_ID, Recorded(frames=claude.sse(claude.thinking_events(**CACHED))))
    stream = openai_client.chat.completions.create(
        model="claude-3-5-sonnet", messages=LONG, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "4"
    usage = chunks[-1].usage
    assert usage.prompt_tokens_details.cached_tokens == 4000
    assert usage.prompt_tokens_details.cache_write_tokens == 4000
    assert abs(UsageRecord.objects.get().cost - _expected()) < EXACT


def test_cache_writes_shown_in_responses_usage(hub_url, alice, priced):
    priced.script(CLAUDE_ID, Recorded(body=claude.thinking_message(**CACHED)))
    response = httpx.post(
        f"{hub_url}/responses",
        json={"model": "claude-3-5-sonnet", "input": LONG_QUESTION},
        headers={"Authorization": f"Bearer {alice.key}"},
        timeout=20,
    )
    assert response.status_code == 200
    usage = response.json()["usage"]
    assert usage["input_tokens"] == 8021
    assert usage["input_tokens_details"] == {"cached_tokens": 4000, "cache_write_tokens": 4000}
    assert abs(Decimal(str(usage["cost"])) - _expected()) < EXACT


def test_responses_usage_without_cache_writes_keeps_openais_shape(hub_url, alice, priced):
    priced.script(CLAUDE_ID, Recorded(body=claude.thinking_message()))
    response = httpx.post(
        f"{hub_url}/responses",
        json={"model": "claude-3-5-sonnet", "input": "2+2?"},
        headers={"Authorization": f"Bearer {alice.key}"},
        timeout=20,
    )
    assert response.json()["usage"]["input_tokens_details"] == {"cached_tokens": 0}


def test_thinking_tokens_shown_to_an_anthropic_client_when_the_upstream_counts_them(hub_url, alice, direct):
    metadata = gemini.usage_metadata(text=12, output=4, thoughts=25)
    direct.script("gemini-2.0-flash", Recorded(body=gemini.answer("4", metadata, thought="Adding.")))
    response = _messages(hub_url, alice.key, {"model": "gemini-2.0-flash", "max_tokens": 512, "messages": HI})
    usage = response.json()["usage"]
    assert (usage["output_tokens"], usage["output_tokens_details"]) == (29, {"thinking_tokens": 25})
    assert UsageRecord.objects.get().reasoning_tokens == 25


def test_thinking_tokens_in_an_anthropic_stream_from_gemini(hub_url, alice, direct):
    metadata = gemini.usage_metadata(text=12, output=2, thoughts=40)
    direct.script("gemini-2.0-flash", Recorded(frames=gemini.sse(gemini.stream(["4", "."], metadata))))
    body = {"model": "gemini-2.0-flash", "max_tokens": 512, "messages": HI, "stream": True}
    response = _messages(hub_url, alice.key, body)
    frames = [f for f in response.text.strip().split("\n\n") if "message_delta" in f]
    usage = json.loads(frames[0].split("data: ", 1)[1])["usage"]
    assert usage["output_tokens_details"] == {"thinking_tokens": 40}


def test_no_thinking_details_when_the_upstream_counts_none(hub_url, alice, priced):
    priced.script(CLAUDE_ID, Recorded(body=claude.thinking_message()))
    response = _messages(hub_url, alice.key, {"model": "claude-3-5-sonnet", "max_tokens": 2048, "messages": HI})
    assert "output_tokens_details" not in response.json()["usage"]
