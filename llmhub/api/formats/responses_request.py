"""The client half of OpenAI's Responses format: an inbound /v1/responses body as a canonical chat request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llmhub.api.formats.openai import parse_chat_request
from llmhub.errors import InvalidRequest
from llmhub.providers.base import ChatRequest
from llmhub.providers.openai.responses_request import SAME_NAME

ROLES = {"user", "assistant", "system", "developer"}
# Fields turned into the canonical request or honoured by the hub itself (storage, streaming, echo). Any other
# field is accepted too: carried unchanged to a Responses upstream, and otherwise dropped and named in the
# `x-llmhub-dropped` header (see `dropped_fields`).
CARRIED_FIELDS = {
    "model",
    "input",
    "instructions",
    "tools",
    "tool_choice",
    "text",
    "max_output_tokens",
    "stream",
    "store",
    "previous_response_id",
    "metadata",
    "reasoning",
    "stream_options",
    "background",
    "models",
}
# Fields chat completions has under the same name: forwarded in the canonical params as they came. The
# cache and tier fields change what a request costs, so they must reach the upstream (or be named dropped).
SAME_IN_CHAT = SAME_NAME
# Values that ask for nothing: a field sent with one of them is not named as dropped.
NO_EFFECT = {"truncation": "disabled"}
TEXT_CARRIED = ("format", "verbosity")
NAMESPACE_JOIN = "__"  # a namespace's function `f` in namespace `ns` is the canonical function `ns__f`


@dataclass
class ResponsesRequest:
    """A parsed Responses body: the canonical chat, the input items as sent, and what the answer echoes."""

    chat: ChatRequest
    new_messages: list[dict[str, Any]]  # this request's input, canonical (without instructions)
    input_items: list[dict[str, Any]]
    store: bool = True
    previous_response_id: str | None = None
    echo: dict[str, Any] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)  # what the canonical form could not carry, by name


def flat_name(namespace: str, name: str) -> str:
    """The canonical function name of `name` in a namespace tool (chat completions has no namespaces)."""
    return namespace + name if namespace.endswith("_") else namespace + NAMESPACE_JOIN + name


def namespaced_functions(tools: Any) -> dict[str, tuple[str, str]]:
    """Canonical function name -> (namespace, name) for every function of the request's namespace tools."""
    found: dict[str, tuple[str, str]] = {}
    for tool in tools if isinstance(tools, list) else []:
        if isinstance(tool, dict) and tool.get("type") == "namespace" and isinstance(tool.get("name"), str):
            for inner in tool["tools"] if isinstance(tool.get("tools"), list) else []:
                if isinstance(inner, dict) and isinstance(inner.get("name"), str):
                    found[flat_name(tool["name"], inner["name"])] = (tool["name"], inner["name"])
    return found


def _text_of(part: dict[str, Any], where: str) -> str:
    if not isinstance(part.get("text"), str):
        raise InvalidRequest(f"'{where}.text' must be a string.", param=where)
    return str(part["text"])


def _content_part(part: Any, where: str) -> dict[str, Any]:
    if not isinstance(part, dict):
        raise InvalidRequest(f"'{where}' must be an object with a 'type'.", param=where)
    kind = part.get("type")
    if kind in ("input_text", "output_text", "text", "refusal"):
        return {"type": "text", "text": _text_of(part, where) if kind != "refusal" else str(part.get("refusal", ""))}
    if kind == "input_image":
        url = part.get("image_url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "data:image/")):
            raise InvalidRequest(
                f"'{where}.image_url' must be an http(s) URL or a data:image/ URL (file_id is not supported).",
                param=where,
            )
        image: dict[str, Any] = {"url": url}
        if part.get("detail") in ("low", "high", "auto"):
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    raise InvalidRequest(f"'{where}.type' {kind!r} is not supported; use input_text or input_image.", param=where)


def _message(item: dict[str, Any], where: str) -> dict[str, Any]:
    role = item.get("role")
    if role not in ROLES:
        raise InvalidRequest(f"'{where}.role' must be one of {', '.join(sorted(ROLES))}.", param=f"{where}.role")
    content = item.get("content")
    if isinstance(content, str):
        return {"role": role, "content": content}
    if not isinstance(content, list):
        raise InvalidRequest(f"'{where}.content' must be a string or an array of parts.", param=f"{where}.content")
    parts = [_content_part(p, f"{where}.content[{n}]") for n, p in enumerate(content)]
    if role != "user" and all(p["type"] == "text" for p in parts):
        return {"role": role, "content": "".join(p["text"] for p in parts)}
    return {"role": role, "content": parts}


def _call_name(item: dict[str, Any]) -> str:
    namespace = item.get("namespace")
    return flat_name(namespace, item["name"]) if isinstance(namespace, str) and namespace else str(item["name"])


def input_messages(raw: Any, dropped: list[str] | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Canonical messages of a Responses `input`, and the input as a list of items. Item types the
    canonical form cannot carry (hosted tool calls, item references) are left out and named in `dropped`."""
    if isinstance(raw, str):
        item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": raw}]}
        return [{"role": "user", "content": raw}], [item]
    if not isinstance(raw, list) or not raw:
        raise InvalidRequest("'input' must be a string or a non-empty array of items.", param="input")
    messages: list[dict[str, Any]] = []
    for n, item in enumerate(raw):
        where = f"input[{n}]"
        if not isinstance(item, dict):
            raise InvalidRequest(f"'{where}' must be an object.", param=where)
        kind = item.get("type", "message")
        if kind == "message":
            messages.append(_message(item, where))
        elif kind == "function_call":
            if not isinstance(item.get("call_id"), str) or not isinstance(item.get("name"), str):
                raise InvalidRequest(f"'{where}' needs a string 'call_id' and 'name'.", param=where)
            call = {
                "id": item["call_id"],
                "type": "function",
                "function": {"name": _call_name(item), "arguments": str(item.get("arguments") or "{}")},
            }
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "assistant" and "tool_calls" in last:
                last["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            if not isinstance(item.get("call_id"), str) or not isinstance(output, (str, list)):
                raise InvalidRequest(f"'{where}' needs a string 'call_id' and an 'output'.", param=where)
            if isinstance(output, list):
                output = "".join(str(p.get("text", "")) for p in output if isinstance(p, dict))
            messages.append({"role": "tool", "tool_call_id": item["call_id"], "content": output})
        elif kind == "reasoning":
            continue  # a reasoning summary handed back: the canonical format has nowhere to put it
        elif isinstance(kind, str) and dropped is not None:
            _name(dropped, f"input.{kind}")
        else:
            raise InvalidRequest(f"'{where}.type' {kind!r} is not supported by the hub.", param=f"{where}.type")
    return messages, [item for item in raw if isinstance(item, dict)]


def _name(dropped: list[str], name: str) -> None:
    if name not in dropped:
        dropped.append(name)


def _function(tool: dict[str, Any], where: str, namespace: str | None = None) -> dict[str, Any]:
    if not isinstance(tool.get("name"), str):
        raise InvalidRequest(f"'{where}' must be a function tool with a 'name'.", param=where)
    name = flat_name(namespace, tool["name"]) if namespace else tool["name"]
    function = {"name": name, "parameters": tool.get("parameters") or {"type": "object", "properties": {}}}
    for key in ("description", "strict"):
        if tool.get(key) is not None:
            function[key] = tool[key]
    return {"type": "function", "function": function}


def _tools(raw: Any, dropped: list[str]) -> list[dict[str, Any]]:
    """Function tools in canonical form; a namespace's functions flattened (`ns__name`). Hosted tools
    (web_search, file_search, ...) and custom tools have no canonical form: named in `dropped`."""
    if not isinstance(raw, list):
        raise InvalidRequest("'tools' must be an array.", param="tools")
    tools = []
    for n, tool in enumerate(raw):
        where = f"tools[{n}]"
        if not isinstance(tool, dict) or not isinstance(tool.get("type"), str):
            raise InvalidRequest(f"'{where}' must be an object with a 'type'.", param=where)
        if tool["type"] == "function":
            tools.append(_function(tool, where))
        elif tool["type"] == "namespace":
            inner = tool.get("tools")
            if not isinstance(tool.get("name"), str) or not tool["name"] or not isinstance(inner, list):
                raise InvalidRequest(f"'{where}' must be a namespace with a 'name' and 'tools'.", param=where)
            for m, member in enumerate(inner):
                if isinstance(member, dict) and member.get("type") == "function":
                    tools.append(_function(member, f"{where}.tools[{m}]", tool["name"]))
                else:
                    kind = member.get("type") if isinstance(member, dict) else None
                    _name(dropped, f"tools.{kind}")
        else:
            _name(dropped, f"tools.{tool['type']}")
    return tools


def _tool_choice(raw: Any, dropped: list[str]) -> Any:
    if raw in ("auto", "none", "required"):
        return raw
    if isinstance(raw, dict) and raw.get("type") == "function" and isinstance(raw.get("name"), str):
        return {"type": "function", "function": {"name": _call_name(raw)}}
    if isinstance(raw, dict) and isinstance(raw.get("type"), str):
        _name(dropped, "tool_choice")  # a hosted tool, a custom tool or allowed_tools: the model chooses
        return None
    raise InvalidRequest("'tool_choice' must be auto, none, required or {type: function, name}.", param="tool_choice")


def _response_format(text: Any) -> dict[str, Any] | None:
    if not isinstance(text, dict):
        raise InvalidRequest("'text' must be an object.", param="text")
    fmt = text.get("format")
    if fmt is None or (isinstance(fmt, dict) and fmt.get("type") == "text"):
        return None
    if isinstance(fmt, dict) and fmt.get("type") == "json_object":
        return {"type": "json_object"}
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema" and isinstance(fmt.get("schema"), dict):
        schema = {"name": fmt.get("name") or "response", "schema": fmt["schema"]}
        for key in ("strict", "description"):
            if fmt.get(key) is not None:
                schema[key] = fmt[key]
        return {"type": "json_schema", "json_schema": schema}
    raise InvalidRequest("'text.format' must be text, json_object or json_schema with a 'schema'.", param="text.format")


def _params(body: dict[str, Any], dropped: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name in SAME_IN_CHAT:
        if body.get(name) is not None:
            params[name] = body[name]
    if body.get("max_output_tokens") is not None:
        params["max_tokens"] = body["max_output_tokens"]
    if body.get("tools"):
        params["tools"] = _tools(body["tools"], dropped)
    if body.get("tool_choice") is not None:
        choice = _tool_choice(body["tool_choice"], dropped)
        if choice is not None:
            params["tool_choice"] = choice
    if body.get("text") is not None:
        response_format = _response_format(body["text"])
        if response_format is not None:
            params["response_format"] = response_format
        if isinstance(body["text"].get("verbosity"), str):
            params["verbosity"] = body["text"]["verbosity"]  # chat completions' own name for it
        dropped.extend(f"text.{key}" for key in sorted(body["text"]) if key not in TEXT_CARRIED and body["text"][key])
    reasoning = body.get("reasoning")
    if isinstance(reasoning, dict):
        if isinstance(reasoning.get("effort"), str):
            params["reasoning_effort"] = reasoning["effort"]
        dropped.extend(f"reasoning.{key}" for key in sorted(reasoning) if key != "effort" and reasoning[key])
    return params


def dropped_fields(body: dict[str, Any]) -> list[str]:
    """The top-level fields of `body` that the canonical form does not carry and that ask for something."""
    return [
        name
        for name in sorted(set(body) - CARRIED_FIELDS - set(SAME_IN_CHAT))
        if body[name] not in (None, [], {}) and NO_EFFECT.get(name) != body[name]
    ]


def parse_responses_request(body: Any, history: list[dict[str, Any]] | None = None) -> ResponsesRequest:
    """Validate a Responses body into a chat request; `history` is the stored conversation it continues."""
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    dropped = dropped_fields(body)
    if body.get("background"):
        raise InvalidRequest("'background' responses are not supported by the hub.", param="background")
    if body.get("max_output_tokens") is not None and (
        not isinstance(body["max_output_tokens"], int) or isinstance(body["max_output_tokens"], bool)
    ):
        raise InvalidRequest("'max_output_tokens' must be a positive integer.", param="max_output_tokens")
    instructions = body.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        raise InvalidRequest("'instructions' must be a string.", param="instructions")
    new_messages, items = input_messages(body.get("input"), dropped)
    messages = ([{"role": "system", "content": instructions}] if instructions else []) + (history or []) + new_messages
    chat_body = {
        "model": body.get("model"),
        "messages": messages,
        "stream": body.get("stream", False),
        **_params(body, dropped),
    }
    if body.get("models") is not None:
        chat_body["models"] = body["models"]
    chat = parse_chat_request(chat_body)
    chat.include_usage = True
    chat.dropped = dropped
    echo = {
        "instructions": instructions,
        "tools": body.get("tools") or [],
        "tool_choice": body.get("tool_choice", "auto"),
        "temperature": body.get("temperature"),
        "top_p": body.get("top_p"),
        "max_output_tokens": body.get("max_output_tokens"),
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "metadata": body.get("metadata") or {},
        "text": body.get("text") or {"format": {"type": "text"}},
        "previous_response_id": body.get("previous_response_id"),
        "store": body.get("store", True) is not False,
    }
    return ResponsesRequest(
        chat=chat,
        new_messages=new_messages,
        input_items=items,
        store=echo["store"],
        previous_response_id=body.get("previous_response_id"),
        echo=echo,
        dropped=dropped,
    )


def parse_compact_request(body: Any, history: list[dict[str, Any]] | None = None) -> ChatRequest:
    """A /v1/responses/compact body as the canonical request the hub plans and holds credits for: the
    conversation (`history` of `previous_response_id`, then `input`) it compacts."""
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    messages = list(history or [])
    if body.get("input") is not None:
        messages += input_messages(body["input"], [])[0]
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        messages.insert(0, {"role": "system", "content": instructions})
    if not messages:
        raise InvalidRequest("'input' or 'previous_response_id' is required to compact.", param="input")
    return parse_chat_request({"model": body.get("model"), "messages": messages})
