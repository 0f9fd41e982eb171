"""The /v1/models list: OpenAI's shape plus family, prices, context window and capabilities."""

from __future__ import annotations

from typing import Any

from llmhub.catalog import ModelSpec, Prices, Snapshot


def pricing(prices: Prices) -> dict[str, Any]:
    """One price set as the list shows it: per-million rates (by modality and cache lifetime where priced
    apart), per hosted tool call, long-prompt tiers, service-tier variants."""
    body: dict[str, Any] = {
        "input_per_million": prices.input,
        "output_per_million": prices.output,
        "cached_input_per_million": prices.cached_input,
        "cache_write_per_million": prices.cache_write,
        "currency": "USD",
    }
    if prices.image:
        body["per_image"] = prices.image
    if prices.request:
        body["per_request"] = prices.request
    for name, price in prices.details:  # e.g. input_audio_per_million, cache_write_1h_per_million
        body[f"{name}_per_million"] = price
    if prices.per_call:  # hosted tool calls the upstream runs: {"web_search": 0.01}
        body["per_call"] = dict(prices.per_call)
    if prices.tiers:
        body["tiers"] = [
            {"kind": t.field, "above_prompt_tokens": t.above, "per_million": t.price} for t in prices.tiers
        ]
    if prices.variants:
        body["service_tiers"] = {name: pricing(variant) for name, variant in prices.variants}
    return body


def model_entry(spec: ModelSpec, *, demo: bool) -> dict[str, Any]:
    return {
        "id": spec.name,
        "object": "model",
        "created": 0,
        "owned_by": spec.family.lower(),
        "family": spec.family,
        "description": spec.description,
        "pricing": {**pricing(spec.prices), "version": spec.prices.version},
        "context_window": spec.context_window,
        "max_output_tokens": spec.max_output_tokens,
        "capabilities": {"vision": spec.supports_vision, "tools": spec.supports_tools, "streaming": True},
        "providers": [t.provider.name for t in spec.targets],
        "deprecated": spec.deprecated,
        "demo": demo,
    }


def model_list(snap: Snapshot) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [model_entry(spec, demo=spec.simulated) for spec in snap.models.values()],
        "aliases": dict(snap.models.aliases),
        "demo": snap.demo,
    }
