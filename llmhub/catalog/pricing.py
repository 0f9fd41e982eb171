"""The pricing function: what a request's usage costs at a model's prices. The credit hold and the
settlement both price through here."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from billing.money import MILLION, ZERO, to_usd
from llmhub.providers.base import Usage


@dataclass(frozen=True)
class Prices:
    """USD per million tokens (and per image) for one model."""

    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    cache_write: Decimal | None = None
    image: Decimal = ZERO

    @property
    def is_free(self) -> bool:
        return not (self.input or self.output or self.image or self.cached_input or self.cache_write)


def cost_of(usage: Usage, prices: Prices) -> Decimal:
    """What the tokens in `usage` cost at `prices`, priced as providers price them.

    Cache reads and writes are part of prompt_tokens and priced at their own rates; reasoning tokens
    are part of completion_tokens and priced as output.
    """
    cached = min(usage.cached_tokens, usage.prompt_tokens)
    writes = min(usage.cache_write_tokens, usage.prompt_tokens - cached)
    plain_input = usage.prompt_tokens - cached - writes
    cached_price = prices.input if prices.cached_input is None else prices.cached_input
    write_price = prices.input if prices.cache_write is None else prices.cache_write
    token_cost = (
        plain_input * prices.input
        + cached * cached_price
        + writes * write_price
        + usage.completion_tokens * prices.output
    ) / MILLION
    return to_usd(token_cost + usage.images * prices.image)


def worst_case_cost(*, prompt_tokens: int, max_output_tokens: int, images: int, prices: Prices) -> Decimal:
    """The most a request can cost: its prompt at full input price plus every output token allowed."""
    return cost_of(Usage(prompt_tokens=prompt_tokens, completion_tokens=max_output_tokens, images=images), prices)
