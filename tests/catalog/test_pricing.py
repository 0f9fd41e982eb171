"""The pricing function the credit hold and the settlement share: tokens × price, quantised once."""

from __future__ import annotations

from decimal import Decimal

from llmhub.catalog import Prices, cost_of, worst_case_cost
from llmhub.providers.base import Usage

PRICES = Prices(input=Decimal("2"), output=Decimal("8"), cached_input=Decimal("0.5"), cache_write=Decimal("2.5"))


def test_plain_tokens_cost_their_price_per_million():
    assert cost_of(Usage(prompt_tokens=1000, completion_tokens=500), PRICES) == Decimal("0.00600000")


def test_cache_reads_and_writes_are_priced_at_their_own_rates():
    usage = Usage(prompt_tokens=1000, completion_tokens=0, cached_tokens=600, cache_write_tokens=100)
    # 300 plain × 2 + 600 cached × 0.5 + 100 written × 2.5, per million
    assert cost_of(usage, PRICES) == Decimal("0.00115000")


def test_cache_counts_above_the_prompt_are_capped_by_it():
    usage = Usage(prompt_tokens=100, cached_tokens=900, cache_write_tokens=900)
    assert cost_of(usage, PRICES) == Decimal("0.00005000")  # all 100 as cache reads


def test_a_model_without_cache_prices_charges_cache_tokens_as_input():
    plain = Prices(input=Decimal("2"), output=Decimal("8"))
    assert cost_of(Usage(prompt_tokens=1000, cached_tokens=1000), plain) == Decimal("0.00200000")


def test_images_are_priced_per_image():
    prices = Prices(input=Decimal("0"), output=Decimal("0"), image=Decimal("0.001"))
    assert cost_of(Usage(images=3), prices) == Decimal("0.00300000")


def test_worst_case_is_the_whole_prompt_and_every_allowed_output_token():
    hold = worst_case_cost(prompt_tokens=1000, max_output_tokens=1000, images=0, prices=PRICES)
    assert hold == Decimal("0.01000000")
