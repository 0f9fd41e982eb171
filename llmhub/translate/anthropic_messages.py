"""Anthropic Messages responses ⇄ canonical completions: content, stop reasons, usage and errors."""

from __future__ import annotations

import time
from typing import Any

from llmhub.errors import HubError, UpstreamError, UpstreamRateLimited, UpstreamUnavailable
from llmhub.providers.base import Usage
from llmhub.translate.content_parts import arguments_json, lenient_arguments

# Anthropic stop_reason → OpenAI finish_reason.
FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "pause_turn": "stop",
    "refusal": "content_filter",
}
# OpenAI finish_reason → Anthropic stop_reason (the inverse, where it is unambiguous).
STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "content_filter": "refusal"}
# HTTP status → Anthropic error type.
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    503: "overloaded_error",
    504: "timeout_error",
}


# --- Anthropic → OpenAI (the upstream adapter) -----------------------------------------------------------


def usage_from_anthropic(raw: Any) -> Usage:
    """Anthropic's input_tokens exclude cache reads and writes; the canonical prompt_tokens include them."""
    raw = raw if isinstance(raw, dict) else {}
    reads = int(raw.get("cache_read_input_tokens") or 0)
    writes = int(raw.get("cache_creation_input_tokens") or 0)
    return Usage(
        prompt_tokens=int(raw.get("input_tokens") or 0) + reads + writes,
        completion_tokens=int(raw.get("output_tokens") or 0),
        cached_tokens=reads,
        cache_write_tokens=writes,
    )


def completion_from_anthropic(body: dict[str, Any], provider: str) -> dict[str, Any]:
    """An OpenAI chat.completion from a Messages API response."""
    if body.get("type") == "error":
        raise stream_error(body, provider)
    if not isinstance(body.get("content"), list):
        raise UpstreamError(f"Upstream {provider} returned a message without content.")
    texts, reasoning, tool_calls = [], [], []
    for block in body["content"]:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            texts.append(str(block.get("text") or ""))
        elif kind == "thinking":
            reasoning.append(str(block.get("thinking") or ""))
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
    kind, message = error.get("type", "api_error"), error.get("message", "unknown error")
    text = f"Upstream {provider} failed: {kind}: {message}"
    if kind == "overloaded_error":
        return UpstreamUnavailable(text)
    if kind == "rate_limit_error":
        return UpstreamRateLimited(text)
    return UpstreamError(text, retryable=kind in ("api_error", "timeout_error"))


# --- OpenAI → Anthropic (the inbound /v1/messages endpoint) ---------------------------------------------


def usage_to_anthropic(usage: dict[str, Any]) -> dict[str, Any]:
    """Anthropic's usage from the gateway's usage JSON, plus the hub's cost and credits_remaining."""
    details = usage.get("prompt_tokens_details") or {}
    reads = int(details.get("cached_tokens") or 0)
    writes = int(details.get("cache_write_tokens") or 0)
    body = {
        "input_tokens": max(0, int(usage.get("prompt_tokens") or 0) - reads - writes),
        "output_tokens": int(usage.get("completion_tokens") or 0),
        "cache_read_input_tokens": reads,
        "cache_creation_input_tokens": writes,
    }
    for hub_field in ("cost", "credits_remaining"):
        if hub_field in usage:
            body[hub_field] = usage[hub_field]
    return body


def tool_use_block(call: dict[str, Any]) -> dict[str, Any]:
    function = call.get("function") or {}
    arguments = lenient_arguments(function.get("arguments"))
    return {"type": "tool_use", "id": call.get("id"), "name": function.get("name"), "input": arguments}


def message_to_anthropic(body: dict[str, Any], request_id: str) -> dict[str, Any]:
    """An Anthropic message from the gateway's OpenAI completion (first choice)."""
    choice = (body.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    content: list[dict[str, Any]] = []
    if message.get("content"):
        content.append({"type": "text", "text": str(message["content"])})
    content += [tool_use_block(call) for call in message.get("tool_calls") or []]
    return {
        "id": "msg_" + request_id.removeprefix("req_"),
        "type": "message",
        "role": "assistant",
        "model": body.get("model"),
        "content": content,
        "stop_reason": STOP_REASONS.get(choice.get("finish_reason"), "end_turn"),
        "stop_sequence": None,
        "usage": usage_to_anthropic(body.get("usage") or {}),
    }


def error_to_anthropic(exc: HubError) -> dict[str, Any]:
    kind = ERROR_TYPES.get(exc.status, "api_error" if exc.status >= 500 else "invalid_request_error")
    return {"type": "error", "error": {"type": kind, "message": exc.message}}
