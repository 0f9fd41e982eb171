"""The /v1/models list: OpenAI's shape plus family, prices, context window and capabilities."""

from __future__ import annotations

from typing import Any

from llmhub.catalog import ModelSpec, Snapshot


def model_entry(spec: ModelSpec, *, demo: bool) -> dict[str, Any]:
    return {
        "id": spec.name,
        "object": "model",
        "created": 0,
        "owned_by": spec.family.lower(),
        "family": spec.family,
        "description": spec.description,
        "pricing": {
            "input_per_million": spec.prices.input,
            "output_per_million": spec.prices.output,
            "cached_input_per_million": spec.prices.cached_input,
            "currency": "USD",
        },
        "context_window": spec.context_window,
        "max_output_tokens": spec.max_output_tokens,
        "capabilities": {"vision": spec.supports_vision, "tools": spec.supports_tools, "streaming": True},
        "providers": [t.provider.name for t in spec.targets],
        "demo": demo,
    }


def model_list(snap: Snapshot) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [model_entry(spec, demo=snap.demo) for spec in snap.models.values()],
        "demo": snap.demo,
    }
