"""The upstream half of Anthropic's format: a Messages response, its usage and its errors, as canonical."""

from __future__ import annotations

import re
import time
from typing import Any

from llmhub.errors import UpstreamError, UpstreamRateLimited, UpstreamUnavailable
from llmhub.providers.anthropic.schema import check_message
from llmhub.providers.base import Usage
from llmhub.providers.content_parts import arguments_json

# Anthropic stop_reason → OpenAI finish_reason.
FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "pause_turn": "stop",
    "refusal": "content_filter",
}


def usage_from_anthropic(raw: Any) -> Usage:
    """Anthropic's input_tokens exclude cache reads and writes; the canonical prompt_tokens include them.

    One-hour cache writes (`cache_creation.ephemeral_1h_input_tokens`) are a detail of the writes, priced
    apart; hosted tool calls (`server_tool_use.web_search_requests`, ...) are counted by tool.
    """
    raw = raw if isinstance(raw, dict) else {}
    reads = int(raw.get("cache_read_input_tokens") or 0)
    writes = int(raw.get("cache_creation_input_tokens") or 0)
    usage = Usage(
        prompt_tokens=int(raw.get("input_tokens") or 0) + reads + writes,
        completion_tokens=int(raw.get("output_tokens") or 0),
        cached_tokens=reads,
        cache_write_tokens=writes,
    )
    one_hour = (raw.get("cache_creation") or {}).get("ephemeral_1h_input_tokens")
    if isinstance(one_hour, int) and one_hour > 0:
        usage.token_details["cache_write_1h"] = one_hour
    for name, count in (raw.get("server_tool_use") or {}).items():
        # Whole positive counts only: a tool added later is counted once its field is a count like these.
        if name.endswith("_requests") and type(count) is int and count > 0:
            usage.server_tool_requests[name.removesuffix("_requests")] = count
    return usage


def completion_from_anthropic(body: dict[str, Any], provider: str) -> dict[str, Any]:
    """An OpenAI chat.completion from a Messages API response."""
    if body.get("type") == "error":
        raise stream_error(body, provider)
    check_message(provider, body)
    texts, reasoning, tool_calls = [], [], []
    for block in body["content"]:
        kind = block["type"]
        if kind == "text":
            texts.append(block["text"])
        elif kind == "thinking":
            reasoning.append(block["thinking"])
        elif kind == "tool_use":
            tool_calls.append(
                {
                    "id": block.get("id"),
                    "type": "function",
                    "function": {"name": block.get("name"), "arguments": arguments_json(block.get("input"))},
                }
            )
    message: dict[str, Any] = {"role": "assistant", "content": "".join(texts) or None}
    if reasoning:
        message["reasoning_content"] = "".join(reasoning)
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": str(body.get("id") or ""),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(body.get("model") or ""),
        "choices": [
            {"index": 0, "message": message, "finish_reason": FINISH_REASONS.get(body.get("stop_reason") or "", "stop")}
        ],
    }


def stream_error(event: dict[str, Any], provider: str) -> UpstreamError:
    """The hub error for an Anthropic `error` event or body (overloaded and rate limits stay retryable)."""
    error = event.get("error")
    if not isinstance(error, dict):
        error = {}
    kind = str(error.get("type", "api_error"))
    # The upstream's message is never relayed (it may echo secrets); its error type is one of a known few.
    text = (
        f"Upstream {provider} failed ({kind})."
        if re.fullmatch(r"[a-z_]{1,40}", kind)
        else f"Upstream {provider} failed."
    )
    if kind == "overloaded_error":
        return UpstreamUnavailable(text)
    if kind == "rate_limit_error":
        return UpstreamRateLimited(text)
    return UpstreamError(text, retryable=kind in ("api_error", "timeout_error"))
