"""Unbilled calls to an upstream's own endpoints beside completions (the Responses API's input-token count):
one deployment, no hold, no retries, its answer relayed as it came."""

from __future__ import annotations

from typing import Any

from llmhub.providers.base import Target
from llmhub.providers.registry import adapter_for


async def count_input_tokens(target: Target, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    """`target`'s own count of the input tokens of a Responses body (the upstream charges nothing for it)."""
    from llmhub.providers.openai.responses import OpenAIResponsesAdapter

    adapter = adapter_for("responses")
    assert isinstance(adapter, OpenAIResponsesAdapter)
    return await adapter.count_input_tokens(target, body, headers)
