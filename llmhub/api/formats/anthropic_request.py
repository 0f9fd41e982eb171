"""The client half of Anthropic's format: an inbound /v1/messages body parsed into a canonical chat request."""

from __future__ import annotations

import copy
import re
from typing import Any

from llmhub.api.formats.openai import parse_chat_request
from llmhub.errors import InvalidRequest
from llmhub.providers.base import ChatRequest
from llmhub.providers.content_parts import (
    arguments_json,
    canonical_content,
    data_url,
    refuses_malformed,
    unsupported,
)

# Anthropic tool types that run on Anthropic's side and have no OpenAI equivalent.
CUSTOM_TOOL_TYPES = (None, "custom")
# Top-level fields the canonical form carries; any other that asks for something (thinking, container,
# context_management, mcp_servers, service_tier, top_k, fields the hub does not know) is named as dropped
# when the request is translated (`x-llmhub-dropped`). A passthrough carries them all.
CARRIED_FIELDS = {
    "model",
    "max_tokens",
    "messages",
    "system",
    "temperature",
    "top_p",
    "stop_sequences",
    "tools",
    "tool_choice",
    "metadata",
    "stream",
}
# Values that ask for nothing: a field sent with one of them is not named as dropped.
NO_EFFECT: dict[str, Any] = {"thinking": {"type": "disabled"}, "service_tier": "auto"}


def _image_part(block: dict[str, Any], where: str) -> dict[str, Any]:
    source = block.get("source") or {}
    if source.get("type") == "base64":
        url = data_url(str(source.get("media_type") or "image/png"), str(source.get("data") or ""))
    elif source.get("type") == "url" and isinstance(source.get("url"), str):
        url = source["url"]
    else:
        raise unsupported(f"An image source of type '{source.get('type')}'", f"{where}.source")
    return {"type": "image_url", "image_url": {"url": url}}


def _tool_result(block: dict[str, Any], where: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The tool message for a tool_result, and its images: OpenAI tool messages carry text only, so the
    images travel in the user message that follows (a screenshot a tool returned stays visible)."""
    content = block.get("content")
    images: list[dict[str, Any]] = []
    if isinstance(content, list):
        texts = []
        for n, inner in enumerate(content):
            kind = inner.get("type") if isinstance(inner, dict) else None
            if kind == "text":
                texts.append(str(inner.get("text") or ""))
            elif kind == "image":
                images.append(_image_part(inner, f"{where}.content[{n}]"))
            else:
                raise unsupported(f"A '{kind}' block inside tool_result", f"{where}.content[{n}]")
        content = "".join(texts) or ("(the tool returned images, attached below)" if images else "")
    text = str(content or "")
    message = {"role": "tool", "tool_call_id": block.get("tool_use_id"), "content": text}
    if block.get("is_error"):
        message["content"] = f"Error: {text}"
    return message, images


def _from_anthropic_message(message: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
        raise InvalidRequest(f"'{where}' must be an object with role 'user' or 'assistant'.", param=where)
    role, content = message["role"], message.get("content")
    if isinstance(content, str):
        return [{"role": role, "content": content}]
    if not isinstance(content, list):
        raise InvalidRequest(f"'{where}.content' must be a string or an array of content blocks.", param=where)
    parts: list[dict[str, Any]] = []
    tool_calls: list[dict[str, Any]] = []
    tool_messages: list[dict[str, Any]] = []
    for n, block in enumerate(content):
        kind = block.get("type") if isinstance(block, dict) else None
        at = f"{where}.content[{n}]"
        if kind == "text":
            parts.append({"type": "text", "text": str(block.get("text") or "")})
        elif kind == "image":
            parts.append(_image_part(block, at))
        elif kind == "tool_use" and role == "assistant":
            arguments = arguments_json(block.get("input"))
            tool_calls.append(
                {
                    "id": block.get("id"),
                    "type": "function",
                    "function": {"name": block.get("name"), "arguments": arguments},
                }
            )
        elif kind == "tool_result" and role == "user":
            tool_message, images = _tool_result(block, at)
            tool_messages.append(tool_message)
            parts += images
        elif kind in ("thinking", "redacted_thinking"):
            continue  # the model's own reasoning is not replayed to other models
        else:
            raise unsupported(f"A '{kind}' content block", at)
    out = list(tool_messages)
    if role == "assistant" and (parts or tool_calls):
        text = "".join(p["text"] for p in parts if p["type"] == "text")
        assistant: dict[str, Any] = {"role": "assistant", "content": text or None}
        if tool_calls:
            assistant["tool_calls"] = tool_calls
        out.append(assistant)
    elif parts:
        out.append({"role": role, "content": canonical_content(parts)})
    return out


def _system_text(system: Any) -> str:
    if isinstance(system, str):
        return system
    if isinstance(system, list):
        return "\n\n".join(str(b.get("text") or "") for b in system if isinstance(b, dict) and b.get("type") == "text")
    raise InvalidRequest("'system' must be a string or an array of text blocks.", param="system")


def _system_turn_text(message: dict[str, Any], where: str) -> str:
    """A `role: "system"` turn inside `messages` (Claude Code sends its environment and reminders so, and an
    empty one carrying output_config): the passthrough sends it as it is; translated, it joins the system prompt."""
    try:
        return _system_text(message.get("content") or "")
    except InvalidRequest:
        raise InvalidRequest(f"'{where}.content' must be a string or an array of text blocks.", param=where) from None


def _tools_from_anthropic(tools: Any) -> list[dict[str, Any]]:
    if not isinstance(tools, list):
        raise InvalidRequest("'tools' must be an array.", param="tools")
    converted = []
    for n, tool in enumerate(tools):
        if not isinstance(tool, dict) or tool.get("type") not in CUSTOM_TOOL_TYPES or not tool.get("name"):
            kind = tool.get("type") if isinstance(tool, dict) else None
            raise unsupported(f"The Anthropic-hosted tool '{kind}'", f"tools[{n}]")
        function = {"name": tool["name"], "parameters": tool.get("input_schema") or {"type": "object"}}
        if tool.get("description"):
            function["description"] = tool["description"]
        converted.append({"type": "function", "function": function})
    return converted


def _tool_choice_from_anthropic(choice: dict[str, Any]) -> Any:
    kind = choice.get("type")
    if kind == "tool":
        return {"type": "function", "function": {"name": choice.get("name")}}
    return {"any": "required", "none": "none"}.get(str(kind), "auto")


@refuses_malformed
def from_anthropic_request(body: Any, *, counting: bool = False) -> ChatRequest:
    """A canonical request from a /v1/messages body (validated as Anthropic validates it).

    `counting` is for /v1/messages/count_tokens, whose bodies have no max_tokens."""
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("'model' is required and must be a string.", param="model")
    max_tokens = body.get("max_tokens", 1 if counting else None)
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise InvalidRequest("'max_tokens' is required and must be a positive integer.", param="max_tokens")
    raw_messages = body.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise InvalidRequest("'messages' must be a non-empty array.", param="messages")
    messages: list[dict[str, Any]] = []
    system = [_system_text(body["system"])] if body.get("system") else []
    for index, message in enumerate(raw_messages):
        if isinstance(message, dict) and message.get("role") == "system":
            system.append(_system_turn_text(message, f"messages[{index}]"))
        else:
            messages += _from_anthropic_message(message, f"messages[{index}]")
    if not messages:
        raise InvalidRequest("'messages' must hold a user or assistant turn, not only system turns.", param="messages")
    if any(system):
        messages.insert(0, {"role": "system", "content": "\n\n".join(text for text in system if text)})
    params: dict[str, Any] = {"max_tokens": max_tokens}
    for name in ("temperature", "top_p"):
        if body.get(name) is not None:
            params[name] = body[name]
    if body.get("stop_sequences"):
        params["stop"] = body["stop_sequences"]
    if body.get("tools"):
        params["tools"] = _tools_from_anthropic(body["tools"])
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        params["tool_choice"] = _tool_choice_from_anthropic(choice)
        if choice.get("disable_parallel_tool_use"):
            params["parallel_tool_calls"] = False
    user = (body.get("metadata") or {}).get("user_id") if isinstance(body.get("metadata"), dict) else None
    if isinstance(user, str):
        params["user"] = user
    # The OpenAI parser validates the translated request exactly as it validates /v1/chat/completions.
    return parse_chat_request({"model": model, "messages": messages, "stream": body.get("stream", False), **params})


def _cache_controls(value: Any, where: str, found: list[str]) -> None:
    """Name each area of the body (system, messages, tools) where a `cache_control` breakpoint sits."""
    if isinstance(value, list):
        for item in value:
            _cache_controls(item, where, found)
    elif isinstance(value, dict):
        if value.get("cache_control") is not None and f"{where}.cache_control" not in found:
            found.append(f"{where}.cache_control")
        for key in ("content", "source"):
            _cache_controls(value.get(key), where, found)


def anthropic_dropped(body: dict[str, Any]) -> list[str]:
    """What of a /v1/messages body the canonical form cannot carry, by name: unknown or Anthropic-only
    top-level fields that ask for something, `cache_control` breakpoints, and thinking blocks replayed."""
    dropped = [
        name
        for name in sorted(set(body) - CARRIED_FIELDS)
        if body[name] not in (None, [], {}, False) and NO_EFFECT.get(name) != body[name]
    ]
    if "cache_control" in dropped:
        dropped.remove("cache_control")
        dropped.insert(0, "cache_control")  # automatic caching: the costliest to lose, named first
    for area in ("system", "messages", "tools"):
        _cache_controls(body.get(area), area, dropped)
    messages = given if isinstance(given := body.get("messages"), list) else []
    if any(
        isinstance(block, dict) and block.get("type") in ("thinking", "redacted_thinking")
        for message in messages
        if isinstance(message, dict) and isinstance(message.get("content"), list)
        for block in message["content"]
    ):
        dropped.append("messages.thinking")
    return dropped


# Where a piece the canonical form cannot carry sits: "tools[2]", "messages[1].content[0]", or inside a block
# (".source" of an image, ".content[3]" of a tool_result).
_PIECE = re.compile(r"\A(tools|messages)\[(\d+)\](?:\.content\[(\d+)\])?(?:\.content\[(\d+)\])?(?:\.source)?\Z")
MAX_UNTRANSLATABLE = 64


def _without(body: dict[str, Any], where: str) -> bool:
    """Remove the piece at `where` from `body` (a private copy); False when `where` names no removable piece."""
    found = _PIECE.match(where or "")
    if found is None:
        return False
    name, i, j, k = found.groups()
    if name == "tools":
        del body["tools"][int(i)]
    elif j is None:
        return False  # a whole message is never left out
    elif k is None:
        del body["messages"][int(i)]["content"][int(j)]
    else:
        del body["messages"][int(i)]["content"][int(j)]["content"][int(k)]
    return True


def from_anthropic_request_for_passthrough(body: Any, *, counting: bool = False) -> ChatRequest:
    """As from_anthropic_request, but pieces the canonical form cannot carry (Anthropic-hosted tools such as
    web_search, server_tool_use and other blocks it does not know) are left out of the canonical form instead
    of refused: the body goes to an Anthropic upstream as it came, and any other upstream is refused with the
    400 the strict reading gave (`untranslatable`)."""
    try:
        chat = from_anthropic_request(body, counting=counting)
        chat.dropped = anthropic_dropped(body)
        return chat
    except InvalidRequest as exc:
        if exc.code != "unsupported_content":
            raise
        first = exc
    reduced = copy.deepcopy(body)
    for _ in range(MAX_UNTRANSLATABLE):
        try:
            chat = from_anthropic_request(reduced, counting=counting)
        except InvalidRequest as exc:
            if exc.code != "unsupported_content" or not _without(reduced, exc.param or ""):
                raise first from None
            continue
        chat.untranslatable = first
        chat.dropped = anthropic_dropped(body)
        return chat
    raise first
