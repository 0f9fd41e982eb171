"""The upstream half of Anthropic's format: a canonical chat request as an Anthropic Messages request."""

from __future__ import annotations

from typing import Any

from llmhub.errors import InvalidRequest
from llmhub.providers.base import ChatRequest
from llmhub.providers.content_parts import (
    arguments_object,
    image_url_of,
    refuses_malformed,
    reject_untranslatable,
    split_data_url,
    text_of,
    unsupported,
)

# Anthropic requires max_tokens; 4096 is within every Claude model's output limit.
DEFAULT_MAX_TOKENS = 4096
# Claude's temperature range is 0-1; OpenAI's is 0-2.
MAX_TEMPERATURE = 1.0


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
            raise unsupported(f"A '{part.get('type')}' content part", f"{where}.content[{index}]")
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
            raise unsupported(f"A '{role}' message", where)
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
