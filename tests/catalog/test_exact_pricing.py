"""A request's usage.cost through the live hub equals genai-prices' own price for the same usage and
model: long-context tiers, cache reads and writes, the priority service tier."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import genai_prices
import httpx
import pytest
from django.core.management import call_command

from billing.models import UsageRecord
from billing.money import to_usd
from llmhub import catalog
from tests.fake_upstream import Reply

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def synced(hub_url):
    call_command("sync_catalog", stdout=StringIO())
    catalog.invalidate()
    return hub_url


def complete(hub_url: str, key: str, model: str, prompt_tokens: int = 0, **extra: object) -> Decimal:
    """The cost of one request whose prompt is about `prompt_tokens` long (the hub charges no more than its hold,
    which sizes a prompt at 2 bytes a token, so a test's scripted count needs a prompt of twice as many bytes)."""
    content = "hi " + "a" * (2 * prompt_tokens)
    response = httpx.post(
        f"{hub_url}/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": model, "messages": [{"role": "user", "content": content}], "max_tokens": 5_000, **extra},
        timeout=20,
    )
    assert response.status_code == 200, response.text
    return Decimal(str(response.json()["usage"]["cost"]))


def oracle(model: str, provider: str, context: dict[str, str] | None = None, **usage: int) -> Decimal:
    price = genai_prices.calc_price(
        genai_prices.Usage(**usage),
        model,
        provider_id=provider,
        genai_request_timestamp=dt.datetime.now(tz=dt.UTC),
        price_context=context,
    )
    return to_usd(price.total_price)


def test_gemini_pro_prompt_above_200k_is_charged_at_the_long_context_tier(synced, alice, upstream):
    upstream.script("gemini-2.5-pro", Reply(text="long", prompt_tokens=250_000, completion_tokens=1_000))
    cost = complete(synced, alice.key, "gemini-2.5-pro", 250_000)
    assert cost == oracle("gemini-2.5-pro", "google", input_tokens=250_000, output_tokens=1_000)
    assert cost == Decimal("0.64")  # 250k × $2.50/M + 1k × $15/M, not the $1.25 / $10 base


def test_gemini_pro_prompt_below_200k_pays_the_base_rate(synced, alice, upstream):
    upstream.script("gemini-2.5-pro", Reply(text="short", prompt_tokens=150_000, completion_tokens=1_000))
    cost = complete(synced, alice.key, "gemini-2.5-pro", 150_000)
    assert cost == oracle("gemini-2.5-pro", "google", input_tokens=150_000, output_tokens=1_000)


def test_claude_long_context_cache_reads_and_writes_match_genai_prices(synced, alice, upstream):
    upstream.script(
        "claude-sonnet-4-5",
        Reply(text="c", prompt_tokens=260_000, cached_tokens=200_000, cache_write_tokens=40_000, completion_tokens=500),
    )
    cost = complete(synced, alice.key, "claude-sonnet-4-5", 260_000)
    expected = oracle(
        "claude-sonnet-4-5",
        "anthropic",
        input_tokens=260_000,
        cache_read_tokens=200_000,
        cache_write_tokens=40_000,
        output_tokens=500,
    )
    assert cost == expected


def test_gpt5_cached_tokens_are_priced_at_the_cache_read_rate(synced, alice, upstream):
    upstream.script("gpt-5", Reply(text="c", prompt_tokens=10_000, cached_tokens=8_000, completion_tokens=300))
    cost = complete(synced, alice.key, "gpt-5", 10_000)
    assert cost == oracle("gpt-5", "openai", input_tokens=10_000, cache_read_tokens=8_000, output_tokens=300)


def test_priority_tier_request_is_charged_at_priority_prices(synced, alice, upstream):
    upstream.script("gpt-5", Reply(text="fast", prompt_tokens=2_000, completion_tokens=800))
    cost = complete(synced, alice.key, "gpt-5", 2_000, service_tier="priority")
    priority = oracle("gpt-5", "openai", {"service_tier": "priority"}, input_tokens=2_000, output_tokens=800)
    assert cost == priority
    assert cost > oracle("gpt-5", "openai", input_tokens=2_000, output_tokens=800)


def test_deepseek_and_grok_costs_match_genai_prices(synced, alice, upstream):
    upstream.script("grok-3", Reply(text="g", prompt_tokens=3_000, cached_tokens=1_000, completion_tokens=400))
    assert complete(synced, alice.key, "grok-3", 3_000) == oracle(
        "grok-3", "x-ai", input_tokens=3_000, cache_read_tokens=1_000, output_tokens=400
    )
    upstream.script("deepseek-reasoner", Reply(text="d", prompt_tokens=3_000, completion_tokens=400))
    peak = dt.datetime.now(tz=dt.UTC).replace(hour=12)  # the hub bills DeepSeek's standard (peak) price
    expected = genai_prices.calc_price(
        genai_prices.Usage(input_tokens=3_000, output_tokens=400),
        "deepseek-reasoner",
        provider_id="deepseek",
        genai_request_timestamp=peak,
    )
    assert complete(synced, alice.key, "deepseek-reasoner", 3_000) == to_usd(expected.total_price)


def test_usage_record_keeps_the_cost_the_response_reported(synced, alice, upstream):
    upstream.script("gemini-2.5-pro", Reply(text="long", prompt_tokens=250_000, completion_tokens=1_000))
    cost = complete(synced, alice.key, "gemini-2.5-pro")
    record = UsageRecord.objects.get()
    assert record.cost == cost
    assert record.price_version == catalog.snapshot().models["gemini-2.5-pro"].prices.version >= 1


def test_charlie_without_credits_cannot_run_up_a_long_context_bill(synced, charlie, upstream):
    from billing.models import Team

    Team.objects.filter(slug="globex").update(balance=Decimal("0"))
    response = httpx.post(
        f"{synced}/chat/completions",
        headers={"Authorization": f"Bearer {charlie.key}"},
        json={"model": "gemini-2.5-pro", "messages": [{"role": "user", "content": "hi"}]},
        timeout=20,
    )
    assert response.status_code == 402
    assert not UsageRecord.objects.exists()
