"""Hosted tool calls priced per call: read from genai-prices, kept through the catalog's JSON, charged by count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from llmhub.catalog.genai_import import genai_model_for, prices_for
from llmhub.catalog.pricing import Prices, cost_of
from llmhub.providers.base import Usage


def test_genai_prices_per_thousand_searches_become_a_per_call_price():
    prices = prices_for(genai_model_for("openai", "gpt-4.1"), dt.datetime.now(tz=dt.UTC))
    assert dict(prices.per_call)["web_search"] == Decimal("0.01")
    assert dict(prices.per_call)["file_search"] == Decimal("0.0025")


def test_tool_call_prices_survive_the_catalogs_json():
    prices = Prices(input=Decimal("2"), output=Decimal("8"), per_call=(("web_search", Decimal("0.01")),))
    assert Prices.from_json(prices.to_json()) == prices
    assert "per_call" not in Prices(input=Decimal("2"), output=Decimal("8")).to_json()


def test_each_call_is_charged_and_an_unpriced_tool_costs_nothing():
    prices = Prices(input=Decimal("2"), output=Decimal("8"), per_call=(("web_search", Decimal("0.01")),))
    usage = Usage(prompt_tokens=1_000_000, server_tool_requests={"web_search": 3, "web_fetch": 2})
    assert cost_of(usage, prices) == Decimal("2.03")
