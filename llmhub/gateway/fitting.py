"""Requests that fit: when a request's worst-case hold is more than the team has, the output cap that would
fit instead (down to OUTPUT_CAP_FLOOR), so a $5 team is not refused a $0.001 reply for want of `max_tokens`."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.conf import settings

from llmhub.catalog import ModelSpec, affordable_output_tokens
from llmhub.providers.base import ChatRequest

CAP_FIELDS = ("max_completion_tokens", "max_tokens")


def asked_cap(request: ChatRequest) -> int | None:
    """The output cap the client sent, if any."""
    for name in CAP_FIELDS:
        if request.params.get(name):
            return int(request.params[name])
    return None


def fitting_cap(
    *,
    chain: list[ModelSpec],
    available: Decimal,
    prompt_tokens: int,
    images: int,
    choices: int,
    current: int,
    service_tier: str | None = None,
    media_tokens: int = 0,
    hosted_calls: int = 0,
) -> int | None:
    """The largest per-choice output cap whose hold (priced as the hold is: the service tier's prices, the
    per-request fee, the media and the hosted calls) fits in `available` on every model of the chain, or None
    when it is under the floor or no smaller than the cap the hold already assumed."""
    cap = min(
        affordable_output_tokens(
            available,
            prompt_tokens=prompt_tokens,
            images=images,
            prices=spec.prices,
            service_tier=service_tier,
            media_tokens=media_tokens,
            hosted_calls=hosted_calls,
        )
        // max(1, choices)
        for spec in chain
    )
    if cap < settings.OUTPUT_CAP_FLOOR or cap >= current:
        return None
    return cap


def with_cap(request: ChatRequest, cap: int) -> ChatRequest:
    """The request with its output cap lowered to `cap`, in the field the client used (max_tokens by default)."""
    field = next((name for name in CAP_FIELDS if request.params.get(name)), "max_tokens")
    return dataclasses.replace(request, params={**request.params, field: cap})
