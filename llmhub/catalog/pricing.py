"""The pricing function: what a request's usage costs at a model's prices, tiers and service-tier variants
included. The credit hold and the settlement both price through here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from billing.money import MILLION, ZERO, to_usd
from llmhub.providers.base import Usage

# The token kinds a price (and a tier) can be set for.
RATE_FIELDS = ("input", "output", "cached_input", "cache_write")
# Tokens priced at their own rate where a model has one, each a part of a broader kind (whose rate applies
# when the model sets none): audio, image and video prompt tokens among the uncached input, audio among cache
# reads, one-hour cache writes among cache writes, audio and image among the output.
DETAIL_OF = {
    "input_audio": "input",
    "input_image": "input",
    "input_video": "input",
    "cached_audio": "cached_input",
    "cache_write_1h": "cache_write",
    "output_audio": "output",
    "output_image": "output",
}
MAX_OUTPUT_COUNT = 2**31 - 1  # the largest output cap worth naming (what an integer column takes)


@dataclass(frozen=True)
class Tier:
    """Above `above` prompt tokens, every token of kind `field` costs `price` (the providers' cliff tiers)."""

    field: str
    above: int
    price: Decimal


@dataclass(frozen=True)
class Prices:
    """USD per million tokens (per image, per request) for one model, at one price version.

    `tiers` raise a rate for long prompts; `variants` are whole other price sets for a service tier
    (`priority`, `flex`, `batch`, ...). `details` are the rates of the DETAIL_OF token kinds the model prices
    apart; `per_call` the USD per hosted tool call (`web_search`, `file_search`, `code_interpreter`). A version numbers the
    model's price history.
    """

    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    cache_write: Decimal | None = None
    image: Decimal = ZERO
    request: Decimal = ZERO
    tiers: tuple[Tier, ...] = ()
    variants: tuple[tuple[str, Prices], ...] = ()
    details: tuple[tuple[str, Decimal], ...] = ()
    per_call: tuple[tuple[str, Decimal], ...] = ()
    version: int = 0

    @property
    def is_free(self) -> bool:
        flat = self.input or self.output or self.image or self.cached_input or self.cache_write or self.request
        return not (flat or any(p for _, p in self.details) or any(p for _, p in self.per_call))

    def for_service_tier(self, service_tier: str | None) -> Prices:
        """The prices a request on `service_tier` pays: that variant's, or the standard ones."""
        for name, prices in self.variants:
            if name == service_tier:
                return replace(prices, version=self.version)
        return self

    def rate(self, field: str, prompt_tokens: int) -> Decimal | None:
        """The per-million rate of `field` for a prompt of `prompt_tokens` (None: not priced separately)."""
        base: Decimal | None = getattr(self, field) if field in RATE_FIELDS else dict(self.details).get(field)
        if not self.tiers:  # most models: no sorting on every request
            return base
        tiers = sorted((t for t in self.tiers if t.field == field), key=lambda t: t.above, reverse=True)
        for tier in tiers:
            if prompt_tokens > tier.above:
                return tier.price
        return base

    def to_json(self) -> dict[str, Any]:
        def money(value: Decimal | None) -> str | None:
            return None if value is None else format(value.normalize(), "f")

        data: dict[str, Any] = {
            "input": money(self.input),
            "output": money(self.output),
            "cached_input": money(self.cached_input),
            "cache_write": money(self.cache_write),
            "image": money(self.image),
            "request": money(self.request),
            "tiers": [[t.field, t.above, money(t.price)] for t in self.tiers],
            "variants": {name: prices.to_json() for name, prices in self.variants},
        }
        # Only when set: price versions written before these existed compare equal to today's.
        if self.details:
            data["details"] = {name: money(price) for name, price in self.details}
        if self.per_call:
            data["per_call"] = {name: money(price) for name, price in self.per_call}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], *, version: int = 0) -> Prices:
        def money(key: str) -> Decimal | None:
            value = data.get(key)
            return None if value is None else Decimal(str(value))

        return cls(
            input=money("input") or ZERO,
            output=money("output") or ZERO,
            cached_input=money("cached_input"),
            cache_write=money("cache_write"),
            image=money("image") or ZERO,
            request=money("request") or ZERO,
            tiers=tuple(Tier(str(f), int(a), Decimal(str(p))) for f, a, p in data.get("tiers") or ()),
            variants=tuple((str(n), cls.from_json(v)) for n, v in (data.get("variants") or {}).items()),
            details=tuple((str(n), Decimal(str(p))) for n, p in (data.get("details") or {}).items() if n in DETAIL_OF),
            per_call=tuple((str(n), Decimal(str(p))) for n, p in (data.get("per_call") or {}).items()),
            version=version,
        )


def cost_of(usage: Usage, prices: Prices, *, service_tier: str | None = None) -> Decimal:
    """What the tokens in `usage` cost at `prices`, priced as providers price them.

    Cache reads and writes are part of prompt_tokens and priced at their own rates (the input rate when
    a model has none); reasoning tokens are part of completion_tokens and priced as output. Token details
    (audio prompt tokens, one-hour cache writes, ...) are priced at their own rate where the model has one,
    else at the rate of the kind they are part of. A tier applies when the whole prompt is above its
    threshold, to every token of its kind. Hosted tool calls cost their per-call price.
    """
    prices = prices.for_service_tier(service_tier)
    per_request = prices.request if usage.total_tokens else ZERO
    return to_usd(_unrounded_cost(usage, prices) + per_request)


def _unrounded_cost(usage: Usage, prices: Prices) -> Decimal:
    """`cost_of` before quantising, without the per-request fee, at `prices` as they are (no service tier)."""
    size = usage.prompt_tokens
    cached = min(usage.cached_tokens, size)
    writes = min(usage.cache_write_tokens, size - cached)
    plain_input = size - cached - writes
    input_rate = prices.rate("input", size) or ZERO
    cached_rate = prices.rate("cached_input", size)
    write_rate = prices.rate("cache_write", size)
    rates = {
        "input": input_rate,
        "cached_input": input_rate if cached_rate is None else cached_rate,
        "cache_write": input_rate if write_rate is None else write_rate,
        "output": prices.rate("output", size) or ZERO,
    }
    counts = {"input": plain_input, "cached_input": cached, "cache_write": writes, "output": usage.completion_tokens}
    token_cost = (
        plain_input * rates["input"]
        + cached * rates["cached_input"]
        + writes * rates["cache_write"]
        + usage.completion_tokens * rates["output"]
    )
    for detail, count in usage.token_details.items():
        parent, rate = DETAIL_OF.get(detail), prices.rate(detail, size) if detail in DETAIL_OF else None
        if parent is None or rate is None:
            continue
        priced = max(0, min(count, counts[parent]))  # never more than the kind it is part of
        counts[parent] -= priced
        token_cost += priced * (rate - rates[parent])
    calls = ZERO
    if usage.server_tool_requests and prices.per_call:
        per_call = dict(prices.per_call)
        calls = sum((max(0, n) * per_call.get(tool, ZERO) for tool, n in usage.server_tool_requests.items()), ZERO)
    return token_cost / MILLION + usage.images * prices.image + calls


# Prompt token kinds media may be billed as (audio, image, video tokens), each part of the uncached input.
MEDIA_DETAILS = ("input_audio", "input_image", "input_video")


def _worst_usage(
    *, prompt_tokens: int, output_tokens: int, images: int, media_tokens: int, hosted_calls: int, prices: Prices
) -> Usage:
    """The usage a request's worst case is priced as: `media_tokens` of its prompt at the dearest media rate the
    model has (when above its input rate), `hosted_calls` at its dearest per-call price."""
    details: dict[str, int] = {}
    if media_tokens > 0:
        input_rate = prices.rate("input", prompt_tokens) or ZERO
        rated = [(prices.rate(name, prompt_tokens), name) for name in MEDIA_DETAILS]
        dearest = max(((rate, name) for rate, name in rated if rate is not None and rate > input_rate), default=None)
        if dearest is not None:
            details[dearest[1]] = media_tokens
    calls: dict[str, int] = {}
    if hosted_calls > 0 and prices.per_call:
        calls[max(prices.per_call, key=lambda priced: priced[1])[0]] = hosted_calls
    return Usage(prompt_tokens=prompt_tokens, completion_tokens=output_tokens, images=images, token_details=details,
                 server_tool_requests=calls)  # fmt: skip


def worst_case_cost(
    *,
    prompt_tokens: int,
    max_output_tokens: int,
    images: int,
    prices: Prices,
    service_tier: str | None = None,
    media_tokens: int = 0,
    hosted_calls: int = 0,
) -> Decimal:
    """The most a request can cost: its prompt at full input price (`media_tokens` of it, audio, video or
    documents the hub cannot size, at the model's dearest media rate), every output token allowed, and
    `hosted_calls` hosted tool calls at the model's dearest per-call price (the tokens they may add to the
    prompt are the caller's to count in `prompt_tokens`)."""
    prices = prices.for_service_tier(service_tier)
    usage = _worst_usage(prompt_tokens=prompt_tokens, output_tokens=max_output_tokens, images=images,
                         media_tokens=media_tokens, hosted_calls=hosted_calls, prices=prices)  # fmt: skip
    return cost_of(usage, prices)


def affordable_output_tokens(
    available: Decimal,
    *,
    prompt_tokens: int,
    images: int,
    prices: Prices,
    service_tier: str | None = None,
    media_tokens: int = 0,
    hosted_calls: int = 0,
) -> int:
    """The inverse of `worst_case_cost`: the largest output cap whose worst case (the prompt at full input price,
    its media at their rate, the images, the hosted calls, the per-request fee, every output token) costs at most
    `available`, at the prices `service_tier` pays. 0 when not even the rest fits; a free output price fits any
    cap (the largest count a column takes)."""
    prices = prices.for_service_tier(service_tier)
    rest = _worst_usage(prompt_tokens=prompt_tokens, output_tokens=0, images=images, media_tokens=media_tokens,
                        hosted_calls=hosted_calls, prices=prices)  # fmt: skip
    room = available - _unrounded_cost(rest, prices) - prices.request  # the fee is charged once any token is
    if room <= ZERO:
        return 0
    output_rate = prices.rate("output", prompt_tokens) or ZERO
    if output_rate <= ZERO:
        return MAX_OUTPUT_COUNT
    cap = min(int(room * MILLION / output_rate), MAX_OUTPUT_COUNT)  # int() floors a positive Decimal
    # The exact worst case of `cap` fits; its rounding to the cent's millionth cannot push it over `available`.
    while cap > 0 and worst_case_cost(prompt_tokens=prompt_tokens, max_output_tokens=cap, images=images,
                                      prices=prices, media_tokens=media_tokens, hosted_calls=hosted_calls) > available:  # fmt: skip
        cap -= 1
    return cap
