"""Anthropic Messages requests ⇄ canonical (OpenAI) chat requests, in both directions."""

from __future__ import annotations

from typing import Any

from llmhub.api.openai_format import parse_chat_request
from llmhub.errors import InvalidRequest
from llmhub.providers.base import ChatRequest
from llmhub.translate.content_parts import (
    arguments_json,
    arguments_object,
    canonical_content,
    data_url,
    image_url_of,
    refuses_malformed,
    reject_untranslatable,
    split_data_url,
    text_of,
)

# Anthropic requires max_tokens; 4096 is within every Claude model's output limit.
DEFAULT_MAX_TOKENS = 4096
# Claude's temperature range is 0-1; OpenAI's is 0-2.
MAX_TEMPERATURE = 1.0
# Anthropic tool types that run on Anthropic's side and have no OpenAI equivalent.
CUSTOM_TOOL_TYPES = (None, "custom")


def _unsupported(what: str, where: str) -> InvalidRequest:
    return InvalidRequest(f"{what} cannot be translated: {where}.", code="unsupported_content", param=where)


# --- OpenAI → Anthropic (the upstream adapter) -----------------------------------------------------------


def _image_block(url: str) -> dict[str, Any]:
    inline = split_data_url(url)
    if inline is not None:
        return {"type": "image", "source": {"type": "base64", "media_type": inline[0], "data": inline[1]}}
    return {"type": "image", "source": {"type": "url", "url": url}}


def _blocks_of(content: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks = []
    for index, part in enumerate(content or []):
        if part.get("type") == "text":
            if part.get("text"):
                blocks.append({"type": "text", "text": str(part["text"])})
        elif part.get("type") == "image_url":
            blocks.append(_image_block(image_url_of(part)))
        else:
            raise _unsupported(f"A '{part.get('type')}' content part", f"{where}.content[{index}]")
    return blocks


def _tool_choice_to_anthropic(choice: Any, parallel: Any) -> dict[str, Any] | None:
    if choice is None and parallel is not False:
        return None
    if isinstance(choice, dict):
        result: dict[str, Any] = {"type": "tool", "name": (choice.get("function") or {}).get("name", "")}
    else:
        result = {"type": {"required": "any", "none": "none"}.get(str(choice), "auto")}
    if parallel is False and result["type"] != "none":
        result["disable_parallel_tool_use"] = True
    return result


def _append(messages: list[dict[str, Any]], role: str, blocks: list[dict[str, Any]]) -> None:
    """Add blocks, merging with the previous message of the same role (Anthropic wants turns to alternate)."""
    if not blocks:
        return
    if messages and messages[-1]["role"] == role:
        messages[-1]["content"].extend(blocks)
    else:
        messages.append({"role": role, "content": blocks})


@refuses_malformed
def to_anthropic_request(request: ChatRequest, model: str, *, stream: bool) -> dict[str, Any]:
    """The Messages API body for a canonical request."""
    params = request.params
    reject_untranslatable(params, "Anthropic")
    if int(params.get("n") or 1) > 1:
        raise InvalidRequest(
            "'n' greater than 1 cannot be translated to the Anthropic format; send one request per choice.",
            code="unsupported_parameter",
            param="n",
        )
    response_format = params.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") not in (None, "text"):
        raise InvalidRequest(
            "'response_format' cannot be translated to the Anthropic format; ask for JSON in the prompt instead.",
            code="unsupported_parameter",
            param="response_format",
        )
    system: list[str] = []
    messages: list[dict[str, Any]] = []
    for index, message in enumerate(request.messages):
        role, where = message.get("role"), f"messages[{index}]"
        if role in ("system", "developer"):
            system.append(text_of(message.get("content")))
        elif role == "user":
            _append(messages, "user", _blocks_of(message.get("content"), where))
        elif role == "assistant":
            blocks = _blocks_of(message.get("content"), where)
            for n, call in enumerate(message.get("tool_calls") or []):
                function = call.get("function") or {}
                arguments = arguments_object(function.get("arguments"), f"{where}.tool_calls[{n}].function.arguments")
                blocks.append(
                    {"type": "tool_use", "id": call.get("id"), "name": function.get("name"), "input": arguments}
                )
            _append(messages, "assistant", blocks)
        elif role == "tool":
            result = {
                "type": "tool_result",
                "tool_use_id": message.get("tool_call_id"),
                "content": text_of(message.get("content")),
            }
            _append(messages, "user", [result])
        else:
            raise _unsupported(f"A '{role}' message", where)
    payload: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "max_tokens": params.get("max_completion_tokens") or params.get("max_tokens") or DEFAULT_MAX_TOKENS,
    }
    if system:
        payload["system"] = "\n\n".join(s for s in system if s)
    if params.get("temperature") is not None:
        payload["temperature"] = min(float(params["temperature"]), MAX_TEMPERATURE)
    if params.get("top_p") is not None:
        payload["top_p"] = params["top_p"]
    if params.get("top_k") is not None:
        payload["top_k"] = params["top_k"]
    stop = params.get("stop")
    if stop:
        payload["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    if params.get("tools"):
        payload["tools"] = [
            {
                "name": t["function"]["name"],
                "description": t["function"].get("description", ""),
                "input_schema": t["function"].get("parameters") or {"type": "object", "properties": {}},
            }
            for t in params["tools"]
            if isinstance(t, dict) and isinstance(t.get("function"), dict)
        ]
    choice = _tool_choice_to_anthropic(params.get("tool_choice"), params.get("parallel_tool_calls"))
    if choice is not None and params.get("tools"):
        payload["tool_choice"] = choice
    if isinstance(params.get("user"), str):
        payload["metadata"] = {"user_id": params["user"]}
    if stream:
        payload["stream"] = True
    return payload


# --- Anthropic → OpenAI (the inbound /v1/messages endpoint) ---------------------------------------------


def _image_part(block: dict[str, Any], where: str) -> dict[str, Any]:
    source = block.get("source") or {}
    if source.get("type") == "base64":
        url = data_url(str(source.get("media_type") or "image/png"), str(source.get("data") or ""))
    elif source.get("type") == "url" and isinstance(source.get("url"), str):
        url = source["url"]
    else:
        raise _unsupported(f"An image source of type '{source.get('type')}'", f"{where}.source")
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
                raise _unsupported(f"A '{kind}' block inside tool_result", f"{where}.content[{n}]")
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
            raise _unsupported(f"A '{kind}' content block", at)
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


def _tools_from_anthropic(tools: Any) -> list[dict[str, Any]]:
    if not isinstance(tools, list):
        raise InvalidRequest("'tools' must be an array.", param="tools")
    converted = []
    for n, tool in enumerate(tools):
        if not isinstance(tool, dict) or tool.get("type") not in CUSTOM_TOOL_TYPES or not tool.get("name"):
            kind = tool.get("type") if isinstance(tool, dict) else None
            raise _unsupported(f"The Anthropic-hosted tool '{kind}'", f"tools[{n}]")
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
    if body.get("system"):
        messages.append({"role": "system", "content": _system_text(body["system"])})
    for index, message in enumerate(raw_messages):
        messages += _from_anthropic_message(message, f"messages[{index}]")
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
