"""Anthropic Messages passed through: the official anthropic SDK's request, with prompt-caching hints on the
system and tool blocks, extended thinking, a field the hub has never heard of and a beta header, reaches an
Anthropic upstream as the client sent it; the upstream's cache reads and writes come back to the client and are
charged at genai-prices' own price for them."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from typing import Any

import anthropic
import genai_prices
import pytest
from django.core.management import call_command

from billing.models import CreditLedgerEntry, UsageRecord
from billing.money import to_usd
from llmhub import catalog
from tests.conftest import serve_direct
from tests.fake_native import NativeReply

pytestmark = pytest.mark.django_db(transaction=True)

MODEL = "claude-sonnet-5"
BETAS = "context-management-2025-06-27,interleaved-thinking-2025-05-14"
# A long system prompt (its cached prefix is what the upstream reports reading below: the hub bounds a reported
# prompt by what it sent, llmhub/gateway/usage_bounds.py).
SYSTEM = [
    {"type": "text", "text": "You are a careful assistant. " * 10_000, "cache_control": {"type": "ephemeral"}},
]
TOOLS = [
    {
        "name": "read_file",
        "description": "Read a file from the workspace",
        "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
        "cache_control": {"type": "ephemeral", "ttl": "5m"},
    }
]
THINKING = {"type": "enabled", "budget_tokens": 2048}
# A field no version of the hub has parsed: passthrough carries it all the same.
CONTEXT_MANAGEMENT = {"edits": [{"type": "clear_tool_uses_20250919", "keep": {"type": "tool_uses", "value": 3}}]}
MESSAGES = [{"role": "user", "content": [{"type": "text", "text": "Summarise the repository."}]}]

# What the upstream reports: 20k fresh input tokens, 200k read from the cache, 40k written to it.
FRESH, READ, WRITTEN, OUTPUT = 20_000, 200_000, 40_000, 700


@pytest.fixture
def claude(hub_root, alice, upstream, settings):
    call_command("sync_catalog", stdout=StringIO())  # genai-prices' Claude models and prices
    serve_direct(settings, upstream)
    upstream.script(
        MODEL,
        NativeReply(
            text="It is a gateway.",
            prompt_tokens=FRESH,
            cache_read_tokens=READ,
            cache_write_tokens=WRITTEN,
            completion_tokens=OUTPUT,
        ),
    )
    yield anthropic.Anthropic(api_key=alice.key, base_url=hub_root, max_retries=0, timeout=20)
    catalog.invalidate()


def _request() -> dict[str, Any]:
    return {
        "model": MODEL,
        "max_tokens": 4096,
        "system": SYSTEM,
        "tools": TOOLS,
        "thinking": THINKING,
        "messages": MESSAGES,
        "extra_body": {"context_management": CONTEXT_MANAGEMENT},
        "extra_headers": {"anthropic-beta": BETAS},
    }


def _oracle() -> Decimal:
    price = genai_prices.calc_price(
        genai_prices.Usage(
            input_tokens=FRESH + READ + WRITTEN,  # genai-prices counts cached tokens inside input_tokens
            cache_read_tokens=READ,
            cache_write_tokens=WRITTEN,
            output_tokens=OUTPUT,
        ),
        MODEL,
        provider_id="anthropic",
        genai_request_timestamp=dt.datetime.now(tz=dt.UTC),
    )
    return to_usd(price.total_price)


def _assert_sent_unchanged(upstream, *, stream: bool) -> None:
    (received,) = upstream.requests_for("/messages")
    sent = received.body
    upstream_id = catalog.snapshot().models[MODEL].targets[0].upstream_model
    expected = {
        "model": upstream_id,
        "max_tokens": 4096,
        "system": SYSTEM,
        "tools": TOOLS,
        "thinking": THINKING,
        "messages": MESSAGES,
        "context_management": CONTEXT_MANAGEMENT,
    }
    if stream:
        expected["stream"] = True
    assert sent == expected
    assert received.headers["anthropic-beta"] == BETAS
    assert received.headers["x-api-key"] == "fake-anthropic-key"  # the hub's key, never the client's


def _assert_charged(response_usage: dict[str, Any]) -> None:
    assert response_usage["input_tokens"] == FRESH
    assert response_usage["cache_read_input_tokens"] == READ
    assert response_usage["cache_creation_input_tokens"] == WRITTEN
    assert response_usage["output_tokens"] == OUTPUT
    expected = _oracle()
    assert abs(Decimal(str(response_usage["cost"])) - expected) <= Decimal("1e-8")
    record = UsageRecord.objects.get()
    assert abs(record.cost - expected) <= Decimal("1e-8")
    assert (record.cached_tokens, record.cache_write_tokens) == (READ, WRITTEN)
    charges = CreditLedgerEntry.objects.filter(usage=record)
    assert [entry.amount for entry in charges] == [-record.cost]


def test_cache_hints_thinking_and_betas_reach_anthropic_unchanged_and_cache_usage_is_charged(claude, upstream):
    message = claude.messages.create(**_request())
    assert message.content[0].text == "It is a gateway."
    _assert_sent_unchanged(upstream, stream=False)
    _assert_charged(message.usage.model_dump())


def test_the_same_request_streamed(claude, upstream):
    with claude.messages.stream(**_request()) as stream:
        events = list(stream)
        final = stream.get_final_message()
    assert "".join(block.text for block in final.content if block.type == "text") == "It is a gateway."
    _assert_sent_unchanged(upstream, stream=True)
    (delta,) = [event for event in events if event.type == "message_delta"]
    _assert_charged(delta.usage.model_dump())  # the hub's cost rides on the final usage event
    assert final.usage.cache_read_input_tokens == READ


def test_request_id_is_readable_by_the_sdk(claude):
    raw = claude.messages.with_raw_response.create(**_request())
    assert raw.headers["request-id"] == raw.headers["x-request-id"]
    assert raw.request_id == raw.headers["x-request-id"]
    assert json.loads(raw.http_response.text)["usage"]["cache_read_input_tokens"] == READ
