"""The client half of Anthropic's format: a canonical completion, its usage and errors rendered as Anthropic's."""

from __future__ import annotations

from typing import Any

from llmhub.errors import HubError
from llmhub.providers.content_parts import lenient_arguments

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


def usage_to_anthropic(usage: dict[str, Any]) -> dict[str, Any]:
    """Anthropic's usage from the gateway's usage JSON, plus the hub's cost and credits_remaining."""
    details = usage.get("prompt_tokens_details") or {}
    reads = int(details.get("cached_tokens") or 0)
    writes = int(details.get("cache_write_tokens") or 0)
    body: dict[str, Any] = {
        "input_tokens": max(0, int(usage.get("prompt_tokens") or 0) - reads - writes),
        "output_tokens": int(usage.get("completion_tokens") or 0),
        "cache_read_input_tokens": reads,
        "cache_creation_input_tokens": writes,
    }
    thinking = int((usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0)
    if thinking:  # where the upstream counts them (Anthropic's own output_tokens do not tell them apart)
        body["output_tokens_details"] = {"thinking_tokens": thinking}
    for hub_field in ("cost", "credits_remaining"):
        if hub_field in usage:
            body[hub_field] = usage[hub_field]
    return body


def native_usage(upstream: Any, usage: dict[str, Any]) -> dict[str, Any]:
    """An upstream's own usage object (passthrough) with the counts the hub billed, its cost and credits:
    fields the hub does not read (server_tool_use, service_tier, ...) stay as the upstream sent them."""
    return {**(upstream if isinstance(upstream, dict) else {}), **usage_to_anthropic(usage)}


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
