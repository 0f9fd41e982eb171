"""The pricing function the credit hold and the settlement share: tokens × price, quantised once."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from llmhub.catalog import Prices, affordable_output_tokens, cost_of, worst_case_cost
from llmhub.catalog.pricing import MAX_OUTPUT_COUNT, Tier
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


# --- the inverse: the largest output cap a sum covers ----------------------------------------------------------

_rates = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("200"), places=2)
_fees = st.sampled_from([Decimal("0"), Decimal("0.005"), Decimal("0.5")])


_details = st.lists(st.tuples(st.sampled_from(["input_audio", "input_image", "input_video"]), _rates), max_size=3,
                    unique_by=lambda detail: detail[0]).map(tuple)  # fmt: skip
_per_call = st.lists(st.tuples(st.sampled_from(["web_search", "file_search"]), _fees), max_size=2,
                     unique_by=lambda priced: priced[0]).map(tuple)  # fmt: skip


@st.composite
def _prices(draw: st.DrawFn) -> Prices:
    priority = Prices(input=draw(_rates), output=draw(_rates), request=draw(_fees), details=draw(_details),
                      per_call=draw(_per_call))  # fmt: skip
    tiers: tuple[Tier, ...] = (Tier("output", 1_000, draw(_rates)),) if draw(st.booleans()) else ()
    tiers += (Tier("input_audio", 100_000, draw(_rates)),) if draw(st.booleans()) else ()
    return Prices(
        input=draw(_rates), output=draw(_rates), image=draw(st.sampled_from([Decimal("0"), Decimal("0.01")])),
        request=draw(_fees), tiers=tiers, variants=(("priority", priority),), details=draw(_details),
        per_call=draw(_per_call),
    )  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    prices=_prices(),
    available=st.decimals(min_value=Decimal("0"), max_value=Decimal("50"), places=8),
    text_tokens=st.integers(0, 200_000),
    media_tokens=st.sampled_from([0, 200_000, 400_000]),
    hosted_calls=st.integers(0, 5),
    images=st.integers(0, 3),
    tier=st.sampled_from([None, "priority", "flex"]),
)
def test_the_affordable_cap_is_the_largest_whose_worst_case_fits(
    prices, available, text_tokens, media_tokens, hosted_calls, images, tier
):
    # As planning holds: the media and the hosted calls' prompt are part of the prompt.
    prompt_tokens = text_tokens + media_tokens + hosted_calls * 100_000
    extras = {"media_tokens": media_tokens, "hosted_calls": hosted_calls}
    cap = affordable_output_tokens(available, prompt_tokens=prompt_tokens, images=images, prices=prices,
                                   service_tier=tier, **extras)  # fmt: skip

    def worst(output: int) -> Decimal:
        return worst_case_cost(prompt_tokens=prompt_tokens, max_output_tokens=output, images=images, prices=prices,
                               service_tier=tier, **extras)  # fmt: skip

    if cap > 0:
        assert worst(cap) <= available
    # One more token (and a few more, past the rounding of a millionth of a cent) no longer fits.
    output_rate = prices.for_service_tier(tier).rate("output", prompt_tokens)
    step = 1 + int(Decimal("0.00000002") * 1_000_000 / output_rate)
    if cap == MAX_OUTPUT_COUNT:  # everything affordable: the cap is the largest a request can name
        return
    assert worst(cap + step) > available or (cap == 0 and worst(1) > available)


def test_the_affordable_cap_is_priced_at_the_service_tier_with_the_fee():
    prices = Prices(input=Decimal("2"), output=Decimal("60"), request=Decimal("0.5"),
                    variants=(("priority", Prices(input=Decimal("4"), output=Decimal("120"))),))  # fmt: skip
    # Standard: ($1 - $0.50 fee) / $60 per million = 8,333 tokens; priority (no fee in its variant): 8,333 as well.
    assert affordable_output_tokens(Decimal("1"), prompt_tokens=0, images=0, prices=prices) == 8333
    assert (
        affordable_output_tokens(Decimal("1"), prompt_tokens=0, images=0, prices=prices, service_tier="priority")
        == 8333
    )
    assert affordable_output_tokens(Decimal("0.4"), prompt_tokens=0, images=0, prices=prices) == 0


def test_media_tokens_are_held_at_the_dearest_media_rate_above_the_input_rate():
    # 200,000 media tokens of a 200,100-token prompt at $1/M (audio), the rest at $0.30/M, 100 output at $2.50/M.
    hold = worst_case_cost(prompt_tokens=200_100, max_output_tokens=100, images=0, prices=DETAILED,
                           media_tokens=200_000)  # fmt: skip
    assert hold == Decimal("0.20028000")
    cheap_media = Prices(input=Decimal("2"), output=Decimal("8"), details=(("input_image", Decimal("1")),))
    assert worst_case_cost(prompt_tokens=1_000, max_output_tokens=0, images=0, prices=cheap_media,
                           media_tokens=1_000) == Decimal("0.002")  # fmt: skip


def test_hosted_calls_are_held_at_the_dearest_per_call_price():
    prices = Prices(input=Decimal("2"), output=Decimal("8"),
                    per_call=(("file_search", Decimal("0.0025")), ("web_search", Decimal("0.01"))))  # fmt: skip
    # Three calls at $0.01, and the 300,000 prompt tokens the caller counted for them at $2/M.
    assert worst_case_cost(prompt_tokens=300_000, max_output_tokens=0, images=0, prices=prices,
                           hosted_calls=3) == Decimal("0.63")  # fmt: skip
    assert affordable_output_tokens(Decimal("0.64"), prompt_tokens=300_000, images=0, prices=prices,
                                    hosted_calls=3) == 1250  # fmt: skip
