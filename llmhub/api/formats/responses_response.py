"""The client half of OpenAI's Responses format: a canonical answer rendered as a Response object."""

from __future__ import annotations

import time
import uuid
from typing import Any

from llmhub.api.formats.responses_request import flat_name, namespaced_functions

INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


def new_item_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def usage_to_responses(usage: dict[str, Any]) -> dict[str, Any]:
    """Chat usage (with the hub's cost and credits) in the Responses names."""
    prompt_details = usage.get("prompt_tokens_details") or {}
    body = {
        "input_tokens": usage.get("prompt_tokens", 0),
        "input_tokens_details": {"cached_tokens": prompt_details.get("cached_tokens", 0)},
        "output_tokens": usage.get("completion_tokens", 0),
        "output_tokens_details": {
            "reasoning_tokens": (usage.get("completion_tokens_details") or {}).get("reasoning_tokens", 0)
        },
        "total_tokens": usage.get("total_tokens", 0),
    }
    if prompt_details.get("cache_write_tokens"):  # written to the upstream's prompt cache: billed apart
        body["input_tokens_details"]["cache_write_tokens"] = prompt_details["cache_write_tokens"]
    for key in ("cost", "credits_remaining"):
        if key in usage:
            body[key] = usage[key]
    return body


def native_usage(upstream: Any, usage: dict[str, Any]) -> dict[str, Any]:
    """An upstream's own usage object (passthrough) with the counts the hub billed, its cost and credits:
    fields the hub does not read stay as the upstream sent them."""
    own = upstream if isinstance(upstream, dict) else {}
    billed = usage_to_responses(usage)
    for details in ("input_tokens_details", "output_tokens_details"):
        if isinstance(own.get(details), dict):
            billed[details] = {**own[details], **billed[details]}
    return {**own, **billed}


def message_item(text: str, item_id: str | None = None, status: str = "completed") -> dict[str, Any]:
    return {
        "type": "message",
        "id": item_id or new_item_id("msg"),
        "status": status,
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
    }


def function_call_item(
    call: dict[str, Any],
    item_id: str | None = None,
    status: str = "completed",
    namespaces: dict[str, tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """A canonical tool call as a function_call item; a flattened namespace function gets its namespace back."""
    function = call.get("function") or {}
    name = function.get("name") or ""
    item = {
        "type": "function_call",
        "id": item_id or new_item_id("fc"),
        "call_id": call.get("id") or new_item_id("call"),
        "name": name,
        "arguments": function.get("arguments") or "",
        "status": status,
    }
    if namespaces and name in namespaces:
        item["namespace"], item["name"] = namespaces[name]
    return item


def output_items(message: dict[str, Any], namespaces: dict[str, tuple[str, str]] | None = None) -> list[dict[str, Any]]:
    """An assistant chat message as Responses output items: its text, then one item per tool call."""
    items: list[dict[str, Any]] = []
    content = message.get("content")
    if isinstance(content, str) and content:
        items.append(message_item(content))
    for call in message.get("tool_calls") or []:
        items.append(function_call_item(call, namespaces=namespaces))
    return items


def response_object(
    response_id: str,
    model: str,
    echo: dict[str, Any],
    *,
    output: list[dict[str, Any]],
    status: str = "completed",
    usage: dict[str, Any] | None = None,
    finish_reason: str | None = None,
    error: dict[str, Any] | None = None,
    created_at: int | None = None,
) -> dict[str, Any]:
    incomplete = INCOMPLETE.get(finish_reason or "")
    if incomplete and status == "completed":
        status = "incomplete"
    return {
        "id": response_id,
        "object": "response",
        "created_at": created_at or int(time.time()),
        "status": status,
        "error": error,
        "incomplete_details": {"reason": incomplete} if incomplete else None,
        "model": model,
        "output": output,
        "usage": usage_to_responses(usage) if usage is not None else None,
        **echo,
    }


def render_response(body: dict[str, Any], response_id: str, echo: dict[str, Any]) -> dict[str, Any]:
    """A finished chat completion (canonical body) as a Response object."""
    choice = (body.get("choices") or [{}])[0]
    return response_object(
        response_id,
        body.get("model", ""),
        echo,
        output=output_items(choice.get("message") or {}, namespaced_functions(echo.get("tools"))),
        usage=body.get("usage") or {},
        finish_reason=choice.get("finish_reason"),
    )


def _canonical_name(item: dict[str, Any]) -> str:
    namespace = item.get("namespace")
    return flat_name(namespace, item["name"]) if isinstance(namespace, str) and namespace else str(item["name"])


def output_as_message(output: list[dict[str, Any]]) -> dict[str, Any]:
    """Output items back as the assistant chat message a follow-up's history carries."""
    text = "".join(
        part.get("text", "") for item in output if item["type"] == "message" for part in item.get("content") or []
    )
    calls = [
        {
            "id": item["call_id"],
            "type": "function",
            "function": {"name": _canonical_name(item), "arguments": item["arguments"]},
        }
        for item in output
        if item["type"] == "function_call"
    ]
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if calls:
        message["tool_calls"] = calls
    return message
