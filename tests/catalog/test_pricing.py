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


DETAILED = Prices(
    input=Decimal("0.3"),
    output=Decimal("2.5"),
    cached_input=Decimal("0.03"),
    cache_write=Decimal("3.75"),
    details=(("input_audio", Decimal("1")), ("cached_audio", Decimal("0.1")), ("cache_write_1h", Decimal("6"))),
    per_call=(("web_search", Decimal("0.01")),),
)


def test_token_details_are_priced_at_their_own_rate_within_their_kind():
    usage = Usage(prompt_tokens=2000, cached_tokens=1000, token_details={"input_audio": 600, "cached_audio": 400})
    # 400 text × 0.3 + 600 audio × 1 + 600 cached text × 0.03 + 400 cached audio × 0.1, per million
    assert cost_of(usage, DETAILED) == Decimal("0.00077800")


def test_one_hour_cache_writes_are_part_of_the_writes():
    usage = Usage(prompt_tokens=1000, cache_write_tokens=1000, token_details={"cache_write_1h": 400})
    assert cost_of(usage, DETAILED) == Decimal("0.00465000")  # 600 × 3.75 + 400 × 6, per million


def test_a_detail_never_counts_more_tokens_than_its_kind_has():
    usage = Usage(prompt_tokens=100, token_details={"input_audio": 5000})
    assert cost_of(usage, DETAILED) == Decimal("0.00010000")  # all 100 as audio, none beyond


def test_details_without_a_rate_and_unknown_details_cost_their_kinds_rate():
    usage = Usage(prompt_tokens=1000, token_details={"input_video": 500, "smell": 300})
    assert cost_of(usage, DETAILED) == Decimal("0.00030000")


def test_hosted_tool_calls_cost_their_per_call_price():
    usage = Usage(prompt_tokens=1000, server_tool_requests={"web_search": 3, "web_fetch": 2})
    assert cost_of(usage, DETAILED) == Decimal("0.03030000")  # web_fetch has no price: free


def test_details_and_per_call_prices_survive_the_json_round_trip():
    assert Prices.from_json(DETAILED.to_json()) == DETAILED
    assert "details" not in PRICES.to_json() and "per_call" not in PRICES.to_json()
