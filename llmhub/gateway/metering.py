"""What a call used: the upstream's reported usage (bounded), or the hub's own count when it reported none
or nonsense, and the usage object clients get back (OpenAI's shape plus cost and credits remaining)."""

from __future__ import annotations

from typing import Any

from billing.ledger import Settlement
from llmhub.gateway.call import Call
from llmhub.gateway.tokens import text_tokens_estimate
from llmhub.gateway.usage_bounds import bounded, counts_valid
from llmhub.providers.base import Completion, Usage


def completion_usage(call: Call, completion: Completion) -> Usage:
    """A completion's usage; estimated from the prompt and the answer's text when the upstream gave none."""
    reported = completion.usage
    usage = reported if counts_valid(reported) else Usage(estimated=True)
    usage.server_tool_requests = reported.server_tool_requests  # counted from the answer's items, not its usage
    usage.images = call.images
    if usage.estimated or not usage.total_tokens:
        text = "".join(str((c.get("message") or {}).get("content") or "") for c in completion.body.get("choices", []))
        usage.prompt_tokens = call.prompt_estimate
        usage.completion_tokens = text_tokens_estimate(len(text.encode()))
        usage.estimated = True
    return bounded(call, usage)


def streamed_usage(call: Call, reported: Usage | None, text_bytes: int) -> Usage:
    """A stream's usage: the upstream's final count, or estimated from the prompt and the bytes relayed."""
    if reported is not None and counts_valid(reported) and reported.total_tokens:
        usage = reported
    else:
        usage = Usage(
            prompt_tokens=call.prompt_estimate, completion_tokens=text_tokens_estimate(text_bytes), estimated=True
        )
        if reported is not None:
            usage.server_tool_requests = reported.server_tool_requests
    usage.images = call.images
    return bounded(call, usage)


def embedding_usage(call: Call, reported: Usage) -> Usage:
    """Embeddings' usage: the upstream's input count (bounded), or the hub's estimate when it reported nonsense."""
    usage = reported if counts_valid(reported) else Usage(prompt_tokens=call.prompt_estimate, estimated=True)
    return bounded(call, usage)


def usage_json(usage: Usage, settlement: Settlement) -> dict[str, Any]:
    body: dict[str, Any] = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "cost": settlement.charged,
        "credits_remaining": settlement.balance_after,
    }
    details = usage.token_details
    prompt = {
        "cached_tokens": usage.cached_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
        # OpenAI's names for the modality counts (cached ones included, as OpenAI counts them)
        "audio_tokens": details.get("input_audio", 0) + details.get("cached_audio", 0),
        "image_tokens": details.get("input_image", 0),
        "video_tokens": details.get("input_video", 0),
    }
    if any(prompt.values()):
        body["prompt_tokens_details"] = {"cached_tokens": usage.cached_tokens}
        body["prompt_tokens_details"] |= {name: n for name, n in prompt.items() if n}
    completion = {
        "reasoning_tokens": usage.reasoning_tokens,
        "audio_tokens": details.get("output_audio", 0),
        "image_tokens": details.get("output_image", 0),
    }
    if any(completion.values()):
        body["completion_tokens_details"] = {name: n for name, n in completion.items() if n}
    if usage.server_tool_requests:  # hosted tool calls the upstream ran, billed per call
        body["server_tool_requests"] = dict(usage.server_tool_requests)
    return body
