"""OpenAI's two wire formats as the agents' scripted model reads and writes them: chat completions and the
Responses API (tools offered, tool results carried back, answers as JSON and as stream events with usage), and
the checks OpenAI makes on a chat body (`chat_refusal`)."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any]


# --- reading each wire format -----------------------------------------------------------------------------


def text_of(content: Any) -> str:
    """A tool result's text: a string, or a list of text parts (either format's shapes)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            text_of(part.get("text", part.get("output", ""))) for part in content if isinstance(part, dict)
        )
    return json.dumps(content)


def chat_tools(body: dict[str, Any]) -> list[str]:
    return [t["function"]["name"] for t in body.get("tools") or [] if t.get("type") == "function"]


def chat_results(body: dict[str, Any]) -> list[str]:
    return [text_of(m.get("content")) for m in body.get("messages", []) if m.get("role") == "tool"]


def responses_tools(body: dict[str, Any]) -> list[str]:
    return [t["name"] for t in body.get("tools") or [] if t.get("type") == "function"]


def responses_results(body: dict[str, Any]) -> list[str]:
    items = body.get("input") if isinstance(body.get("input"), list) else []
    outputs = {"function_call_output", "custom_tool_call_output", "local_shell_call_output"}
    return [text_of(item.get("output")) for item in items if item.get("type") in outputs]


def estimate_tokens(body: Any) -> int:
    return max(1, len(json.dumps(body)) // 4)


# --- chat completions -------------------------------------------------------------------------------------

# The request fields OpenAI's chat completions accept (late 2025); it refuses any other by name.
CHAT_FIELDS = {
    "model", "messages", "audio", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs",
    "max_completion_tokens", "max_tokens", "metadata", "modalities", "n", "parallel_tool_calls", "prediction",
    "presence_penalty", "prompt_cache_key", "prompt_cache_retention", "reasoning_effort", "response_format",
    "safety_identifier", "seed", "service_tier", "stop", "store", "stream", "stream_options", "temperature",
    "tool_choice", "tools", "top_logprobs", "top_p", "user", "verbosity", "web_search_options",
}  # fmt: skip
CHAT_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}


def chat_refusal(body: Any) -> str | None:
    """Why OpenAI would answer this chat body with a 400, for the checks a translation can get wrong: unknown
    fields, unknown roles, function tools without a name, and tool results that answer no call just made."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return "'messages' is a required property"
    unknown = sorted(set(body) - CHAT_FIELDS)
    if unknown:
        return f"Unrecognized request argument supplied: {unknown[0]}"
    for tool in body.get("tools") or []:
        if tool.get("type") != "function" or not (tool.get("function") or {}).get("name"):
            return f"Invalid tool: {json.dumps(tool)[:200]}"
    open_calls: set[str] = set()
    for n, message in enumerate(body["messages"]):
        role = message.get("role")
        if role not in CHAT_ROLES:
            return f"Invalid value: '{role}'. Supported values are: {sorted(CHAT_ROLES)}"
        if role == "tool":
            if message.get("tool_call_id") not in open_calls:
                return f"messages[{n}]: messages with role 'tool' must be a response to a preceding 'tool_calls'"
            open_calls.discard(message["tool_call_id"])
            continue
        if open_calls:
            return f"messages[{n}]: an assistant message with 'tool_calls' must be followed by their tool messages"
        open_calls = {call.get("id") for call in message.get("tool_calls") or []}
    return None


def chat_usage(body: Any, out: str) -> dict[str, int]:
    prompt, completion = estimate_tokens(body), estimate_tokens(out)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def chat_tool_call(turn: ToolCall) -> dict[str, Any]:
    arguments = json.dumps(turn.arguments)
    return {
        "id": "call_" + uuid.uuid4().hex[:12],
        "type": "function",
        "function": {"name": turn.name, "arguments": arguments},
    }


def chat_json(body: dict[str, Any], turn: ToolCall | str) -> dict[str, Any]:
    if isinstance(turn, ToolCall):
        call = chat_tool_call(turn)
        message: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": [call]}
        out, finish = call["function"]["arguments"], "tool_calls"
    else:
        message, out, finish = {"role": "assistant", "content": turn}, turn, "stop"
    return {
        "id": "chatcmpl-" + uuid.uuid4().hex[:12],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", ""),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": chat_usage(body, out),
    }


def chat_events(body: dict[str, Any], turn: ToolCall | str) -> list[dict[str, Any]]:
    base = {
        "id": "chatcmpl-" + uuid.uuid4().hex[:12],
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", ""),
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    if isinstance(turn, ToolCall):
        call = chat_tool_call(turn)
        arguments = call["function"]["arguments"]
        half = len(arguments) // 2
        opening = {**call, "index": 0, "function": {"name": turn.name, "arguments": ""}}
        events = [
            chunk({"role": "assistant", "content": None, "tool_calls": [opening]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments[:half]}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments[half:]}}]}),
            chunk({}, "tool_calls"),
        ]
        out = arguments
    else:
        words = turn.split(" ")
        events = [chunk({"role": "assistant", "content": ""})]
        events += [chunk({"content": w if i == 0 else " " + w}) for i, w in enumerate(words)]
        events.append(chunk({}, "stop"))
        out = turn
    if (body.get("stream_options") or {}).get("include_usage"):
        events.append({**base, "choices": [], "usage": chat_usage(body, out)})
    return events


# --- the Responses API ------------------------------------------------------------------------------------


def responses_item(turn: ToolCall | str) -> dict[str, Any]:
    if isinstance(turn, ToolCall):
        return {
            "type": "function_call",
            "id": "fc_" + uuid.uuid4().hex[:12],
            "call_id": "call_" + uuid.uuid4().hex[:12],
            "name": turn.name,
            "arguments": json.dumps(turn.arguments),
            "status": "completed",
        }
    return {
        "type": "message",
        "id": "msg_" + uuid.uuid4().hex[:12],
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": turn, "annotations": []}],
    }


def responses_body(body: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """The completed response holding `item`, with usage."""
    prompt, completion = estimate_tokens(body), estimate_tokens(item)
    return {
        "id": "resp_" + uuid.uuid4().hex[:12],
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed",
        "model": body.get("model", ""),
        "output": [item],
        "usage": {
            "input_tokens": prompt,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": completion,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": prompt + completion,
        },
    }


def responses_events(body: dict[str, Any], turn: ToolCall | str) -> list[dict[str, Any]]:
    item = responses_item(turn)
    done = responses_body(body, item)
    started = {key: value for key, value in done.items() if key != "usage"} | {"status": "in_progress", "output": []}
    opened = {**item, "status": "in_progress"}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": started},
        {"type": "response.in_progress", "response": started},
    ]
    place = {"item_id": item["id"], "output_index": 0}
    if item["type"] == "function_call":
        events += [
            {"type": "response.output_item.added", "output_index": 0, "item": {**opened, "arguments": ""}},
            {"type": "response.function_call_arguments.delta", **place, "delta": item["arguments"]},
            {"type": "response.function_call_arguments.done", **place, "arguments": item["arguments"]},
        ]
    else:
        text = item["content"][0]["text"]
        part = {"type": "output_text", "text": "", "annotations": []}
        events += [
            {"type": "response.output_item.added", "output_index": 0, "item": {**opened, "content": []}},
            {"type": "response.content_part.added", **place, "content_index": 0, "part": part},
            {"type": "response.output_text.delta", **place, "content_index": 0, "delta": text},
            {"type": "response.output_text.done", **place, "content_index": 0, "text": text},
            {"type": "response.content_part.done", **place, "content_index": 0, "part": {**part, "text": text}},
        ]
    events += [
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {"type": "response.completed", "response": done},
    ]
    return [{**event, "sequence_number": n} for n, event in enumerate(events)]
