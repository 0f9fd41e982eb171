"""OpenAI's `usage` object read as canonical usage (chat completions, embeddings and every compatible kind)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from llmhub.providers.base import Usage


def _count(raw: Any, key: str) -> int:
    """A token count as sent (the gateway bounds it); ValueError when it is not a whole number."""
    value = raw.get(key) if isinstance(raw, dict) else None
    if value is None:
        return 0
    if type(value) is int:  # what upstreams send: no further checks
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{key} is not a number")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"{key} is not a whole number")
    return int(value)


def usage_from_openai(raw: Any) -> Usage | None:
    """Read an OpenAI `usage` object, including cached, reasoning and upstream-cost fields when present.

    A usage object whose counts are not numbers is no report at all: the hub counts the tokens itself.
    """
    if not isinstance(raw, dict):
        return None
    prompt_details = raw.get("prompt_tokens_details") or {}
    completion_details = raw.get("completion_tokens_details") or {}
    cost = raw.get("cost")
    upstream_cost: Decimal | None = None
    if isinstance(cost, (int, float, str)) and not isinstance(cost, bool):
        try:
            upstream_cost = Decimal(str(cost))
        except InvalidOperation:
            upstream_cost = None
    try:
        details = (
            {
                "input_audio": _count(prompt_details, "audio_tokens"),
                "input_image": _count(prompt_details, "image_tokens"),
                "output_audio": _count(completion_details, "audio_tokens"),
                "output_image": _count(completion_details, "image_tokens"),
            }
            if prompt_details or completion_details
            else {}
        )
        return Usage(
            prompt_tokens=_count(raw, "prompt_tokens"),
            completion_tokens=_count(raw, "completion_tokens"),
            # DeepSeek counts cache hits at the top level (and, lately, in the details too).
            cached_tokens=_count(prompt_details, "cached_tokens") or _count(raw, "prompt_cache_hit_tokens"),
            cache_write_tokens=_count(prompt_details, "cache_write_tokens"),
            reasoning_tokens=_count(completion_details, "reasoning_tokens"),
            upstream_cost=upstream_cost,
            token_details={name: count for name, count in details.items() if count},  # priced by modality
        )
    except (ValueError, OverflowError):
        return None
