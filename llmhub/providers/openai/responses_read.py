"""Reading a Responses upstream's answer: the Response body and its stream events as canonical chat
completions and chunks (for metering and for clients of other formats), and its usage, hosted tool calls
included (each billed per call)."""

from __future__ import annotations

import re
import time
from typing import Any

from llmhub.errors import UpstreamError
from llmhub.providers.base import StreamChunk, Usage, one_choice_chunk
from llmhub.providers.openai.responses_schema import check_event, check_response

# Output items of hosted tools the upstream ran, each billed per call: item type -> usage name.
HOSTED_CALLS = {
    "web_search_call": "web_search",
    "file_search_call": "file_search",
    "code_interpreter_call": "code_interpreter",
}
INCOMPLETE_FINISH = {"max_output_tokens": "length", "content_filter": "content_filter"}
FINAL_EVENTS = ("response.completed", "response.incomplete")  # the ones that carry the usage and end a stream


def hosted_calls(output: Any) -> dict[str, int]:
    """How many calls of each hosted tool the output items show (a failed call is billed as made)."""
    counts: dict[str, int] = {}
    for item in output if isinstance(output, list) else []:
        name = HOSTED_CALLS.get(str(item.get("type"))) if isinstance(item, dict) else None
        if name is not None:
            counts[name] = counts.get(name, 0) + 1
    return counts


def usage_from_responses(raw: Any, output: Any) -> Usage:
    """A checked Responses `usage` object (cached and reasoning tokens inside) and the output's hosted calls."""
    if not isinstance(raw, dict):
        return Usage(estimated=True, server_tool_requests=hosted_calls(output))
    inputs = raw.get("input_tokens_details") or {}
    outputs = raw.get("output_tokens_details") or {}
    return Usage(
        prompt_tokens=raw["input_tokens"],
        completion_tokens=raw["output_tokens"],
        cached_tokens=inputs.get("cached_tokens") or 0,
        reasoning_tokens=outputs.get("reasoning_tokens") or 0,
        server_tool_requests=hosted_calls(output),
    )


def failure(body: dict[str, Any], provider: str) -> UpstreamError:
    """The hub error for a failed Response or an `error` event: the upstream and its error code, never its
    message (it may echo the request), as for every other upstream (http_base.error_for_status)."""
    error = body.get("error") if isinstance(body.get("error"), dict) else body
    code = error.get("code") if isinstance(error, dict) else None
    detail = f" ({code})" if isinstance(code, str) and re.fullmatch(r"[a-z_]{1,40}", code) else ""
    return UpstreamError(f"Upstream {provider} failed the response{detail}.")


def _finish(body: dict[str, Any], has_calls: bool) -> str:
    if body.get("status") == "incomplete":
        reason = (body.get("incomplete_details") or {}).get("reason")
        return INCOMPLETE_FINISH.get(str(reason), "length")
    return "tool_calls" if has_calls else "stop"


def completion_from_responses(body: dict[str, Any], provider: str) -> dict[str, Any]:
    """An OpenAI chat.completion from a Response: its text, reasoning summaries and function calls."""
    check_response(provider, body)
    if body.get("status") == "failed":
        raise failure(body, provider)
    texts, reasoning, calls = [], [], []
    for item in body["output"]:
        if item["type"] == "message":
            texts += [part.get("text", "") for part in item["content"] if part["type"] == "output_text"]
        elif item["type"] == "reasoning":
            reasoning += [part.get("text", "") for part in item.get("summary") or []]
        elif item["type"] == "function_call":
            function = {"name": item["name"], "arguments": item["arguments"]}
            calls.append({"id": item["call_id"], "type": "function", "function": function})
    message: dict[str, Any] = {"role": "assistant", "content": "".join(texts) or None}
    if reasoning:
        message["reasoning_content"] = "\n\n".join(reasoning)
    if calls:
        message["tool_calls"] = calls
    return {
        "id": str(body.get("id") or ""),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(body.get("model") or ""),
        "choices": [{"index": 0, "message": message, "finish_reason": _finish(body, bool(calls))}],
    }


class ResponsesStreamReader:
    """Turns Responses stream events into OpenAI chunks; `finished` once the response completed."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.finished = False
        self._id = ""
        self._model = ""
        self._created = int(time.time())
        self._tool_index: dict[int, int] = {}  # output index -> OpenAI tool_calls index
        self._reasoned = False  # a reasoning summary part was streamed: the next one starts a new paragraph

    def _chunk(self, delta: dict[str, Any], finish: str | None = None, usage: Usage | None = None) -> StreamChunk:
        return one_choice_chunk(self._id, self._created, self._model, delta, finish, usage)

    def feed(self, event: dict[str, Any]) -> StreamChunk | None:
        """The canonical chunk for one event (None when it has none); raises on a failed response."""
        kind = event.get("type")
        if kind == "error":
            raise failure(event, self.provider)
        check_event(self.provider, event)
        if kind == "response.created":
            response = event["response"]
            self._id, self._model = str(response.get("id") or ""), str(response.get("model") or "")
            return self._chunk({"role": "assistant", "content": ""})
        if kind == "response.output_text.delta":
            return self._chunk({"content": event["delta"]})
        if kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            self._reasoned = True
            return self._chunk({"reasoning_content": event["delta"]})
        if kind == "response.reasoning_summary_part.added" and self._reasoned:
            # Parts are joined as paragraphs, as in the answer read whole (completion_from_responses).
            return self._chunk({"reasoning_content": "\n\n"})
        if kind == "response.output_item.added" and event["item"]["type"] == "function_call":
            item, index = event["item"], len(self._tool_index)
            self._tool_index[event.get("output_index", index)] = index
            function = {"name": item["name"], "arguments": item.get("arguments") or ""}
            return self._chunk(
                {"tool_calls": [{"index": index, "id": item["call_id"], "type": "function", "function": function}]}
            )
        if kind == "response.function_call_arguments.delta":
            index = self._tool_index.get(event.get("output_index", -1), max(len(self._tool_index) - 1, 0))
            return self._chunk({"tool_calls": [{"index": index, "function": {"arguments": event["delta"]}}]})
        if kind == "response.failed":
            raise failure(event["response"], self.provider)
        if kind in FINAL_EVENTS:
            self.finished = True
            response = event["response"]
            usage = usage_from_responses(response.get("usage"), response["output"])
            return self._chunk({}, _finish(response, bool(self._tool_index)), usage)
        return None
