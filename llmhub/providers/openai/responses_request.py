"""Writing a request for a Responses upstream: the client's own Responses body passed through (model, cap and
hub-only fields owned by the hub), or a canonical chat request translated into a Responses body."""

from __future__ import annotations

import json
from typing import Any

from llmhub.providers.base import ChatRequest, Target

# Fields of a client's Responses body that are the hub's own and never go upstream.
HUB_ONLY_FIELDS = ("models",)
# Canonical params that have the same name and meaning in a Responses body.
SAME_NAME = (
    "temperature",
    "top_p",
    "parallel_tool_calls",
    "user",
    "service_tier",
    "prompt_cache_key",
    "prompt_cache_retention",
    "safety_identifier",
)


def held_cap(request: ChatRequest) -> int | None:
    cap = request.params.get("max_tokens", request.params.get("max_completion_tokens"))
    return cap if isinstance(cap, int) and not isinstance(cap, bool) else None


def native_payload(request: ChatRequest, target: Target, *, stream: bool) -> dict[str, Any]:
    """The client's body with the upstream's model id and the cap the hub held for (lowered when it had to)."""
    assert request.native is not None
    payload = {k: v for k, v in request.native.body.items() if k not in HUB_ONLY_FIELDS}
    payload["model"] = target.upstream_model
    if request.native.endpoint:  # compact: a body of its own (no output cap, no stream)
        return payload
    cap = held_cap(request)
    if cap is not None:
        payload["max_output_tokens"] = cap
    if stream:
        payload["stream"] = True
    else:
        payload.pop("stream", None)
        payload.pop("stream_options", None)
    return payload


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict) and p.get("type") == "text")


def _user_content(content: Any) -> Any:
    if not isinstance(content, list):
        return _text(content)
    parts: list[dict[str, Any]] = []
    for part in content:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "text":
            parts.append({"type": "input_text", "text": str(part.get("text", ""))})
        elif part.get("type") == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            entry: dict[str, Any] = {"type": "input_image", "image_url": url}
            if isinstance(image, dict) and image.get("detail"):
                entry["detail"] = image["detail"]
            parts.append(entry)
    return parts


def _items(message: dict[str, Any]) -> list[dict[str, Any]]:
    role = message.get("role")
    if role == "tool":
        return [
            {
                "type": "function_call_output",
                "call_id": message.get("tool_call_id"),
                "output": _text(message.get("content")),
            }
        ]
    if role == "assistant":
        items: list[dict[str, Any]] = []
        text = _text(message.get("content"))
        if text:
            items.append({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]})
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            arguments = function.get("arguments")
            items.append(
                {
                    "type": "function_call",
                    "call_id": call.get("id"),
                    "name": function.get("name"),
                    "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments or {}),
                }
            )
        return items
    content = _user_content(message.get("content")) if role == "user" else _text(message.get("content"))
    return [{"type": "message", "role": role if role in ("system", "developer") else "user", "content": content}]


def _tool(tool: dict[str, Any]) -> dict[str, Any]:
    function = tool.get("function") or {}
    out = {"type": "function", "name": function.get("name"), "parameters": function.get("parameters") or {}}
    for key in ("description", "strict"):
        if function.get(key) is not None:
            out[key] = function[key]
    return out


def _text_format(response_format: Any) -> dict[str, Any] | None:
    if not isinstance(response_format, dict):
        return None
    if response_format.get("type") == "json_schema":
        schema = response_format.get("json_schema") or {}
        return {"type": "json_schema", **schema}
    if response_format.get("type") in ("json_object", "text"):
        return {"type": response_format["type"]}
    return None


def to_responses_request(request: ChatRequest, model: str, *, stream: bool) -> dict[str, Any]:
    """A canonical chat request as a Responses body (not stored upstream: the hub keeps the conversation)."""
    params = request.params
    payload: dict[str, Any] = {
        "model": model,
        "input": [i for m in request.messages for i in _items(m)],
        "store": False,
    }
    payload.update({name: params[name] for name in SAME_NAME if params.get(name) is not None})
    cap = held_cap(request)
    if cap is not None:
        payload["max_output_tokens"] = cap
    if params.get("tools"):
        payload["tools"] = [_tool(t) for t in params["tools"] if isinstance(t, dict) and t.get("type") == "function"]
    choice = params.get("tool_choice")
    if isinstance(choice, str):
        payload["tool_choice"] = choice
    elif isinstance(choice, dict):
        payload["tool_choice"] = {"type": "function", "name": (choice.get("function") or {}).get("name")}
    text: dict[str, Any] = {}
    text_format = _text_format(params.get("response_format"))
    if text_format is not None:
        text["format"] = text_format
    if isinstance(params.get("verbosity"), str):
        text["verbosity"] = params["verbosity"]
    if text:
        payload["text"] = text
    if isinstance(params.get("reasoning_effort"), str):
        payload["reasoning"] = {"effort": params["reasoning_effort"]}
    if stream:
        payload["stream"] = True
    return payload
