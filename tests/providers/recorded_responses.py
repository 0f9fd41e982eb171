"""Responses API answers in the shapes OpenAI sends them: a Response object (reasoning items with their
summary parts, hosted web_search_call items, messages with url_citation annotations, items the hub does not
read), its usage with cached input and reasoning output tokens, the named-event stream from
`response.created` to `response.completed` (every event numbered, no `[DONE]`), a `response.failed` event,
and error bodies."""

from __future__ import annotations

import json
from typing import Any

CREATED = 1765051200
RESPONSE_ID = "resp_0a91c3e7f25b4d6a0069343d40b2c88190a7e1d3f4c5b6a7"
MESSAGE_ID = "msg_0a91c3e7f25b4d6a0069343d42f0e08190b3c4d5e6f7a8b9"
REASONING_ID = "rs_0a91c3e7f25b4d6a0069343d41a4b48190c1d2e3f4a5b6c7"
SEARCH_ID = "ws_0a91c3e7f25b4d6a0069343d41e9f88190d2e3f4a5b6c7d8"


def sse(events: list[dict[str, Any]]) -> list[bytes]:
    """Named events as OpenAI frames them: `event: <type>` then one data line, numbered in order."""
    frames = []
    for number, event in enumerate(events):
        data = json.dumps({**event, "sequence_number": number}, separators=(",", ":"))
        frames.append(b"event: " + event["type"].encode() + b"\ndata: " + data.encode() + b"\n\n")
    return frames


def usage(input_tokens: int, output_tokens: int, *, cached: int = 0, reasoning: int = 0) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": input_tokens + output_tokens,
    }


def response(
    output: list[dict[str, Any]],
    counts: dict[str, Any] | None,
    *,
    model: str = "gpt-4.1-2025-04-14",
    status: str = "completed",
    effort: str | None = None,
) -> dict[str, Any]:
    """The Response object: the same shape in a JSON answer and inside the stream's lifecycle events."""
    return {
        "id": RESPONSE_ID,
        "object": "response",
        "created_at": CREATED,
        "status": status,
        "background": False,
        "billing": {"payer": "developer"},
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": 1024,
        "max_tool_calls": None,
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "prompt_cache_key": None,
        "reasoning": {"effort": effort, "summary": "detailed" if effort else None},
        "safety_identifier": None,
        "service_tier": "default",
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": counts,
        "user": None,
        "metadata": {},
    }


def message(text: str, annotations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    part = {"type": "output_text", "annotations": annotations or [], "logprobs": [], "text": text}
    return {"id": MESSAGE_ID, "type": "message", "status": "completed", "content": [part], "role": "assistant"}


def reasoning(summaries: list[str]) -> dict[str, Any]:
    """A reasoning item: its summary parts (asked for with reasoning.summary), its raw thinking withheld."""
    return {
        "id": REASONING_ID,
        "type": "reasoning",
        "summary": [{"type": "summary_text", "text": s} for s in summaries],
    }


def web_search(query: str, urls: list[str]) -> dict[str, Any]:
    """A hosted web search the upstream ran (its sources listed when asked for with `include`)."""
    action = {"type": "search", "query": query, "sources": [{"type": "url", "url": url} for url in urls]}
    return {"id": SEARCH_ID, "type": "web_search_call", "status": "completed", "action": action}


def citation(url: str, title: str, start: int, end: int) -> dict[str, Any]:
    return {"type": "url_citation", "start_index": start, "end_index": end, "title": title, "url": url}


# --- whole answers ---------------------------------------------------------------------------------------


def plain(text: str, counts: dict[str, Any]) -> dict[str, Any]:
    return response([message(text)], counts)


def reasoned(summaries: list[str], text: str, counts: dict[str, Any]) -> dict[str, Any]:
    return response([reasoning(summaries), message(text)], counts, model="gpt-5-2025-08-07", effort="medium")


WEATHER_URL = "https://www.meteo.example/paris"
WEATHER_TEXT = "It is 9°C with rain in Paris."


def searched(counts: dict[str, Any]) -> dict[str, Any]:
    """gpt-4.1 with the web_search tool: the call, then a message citing what it found."""
    cited = citation(WEATHER_URL, "Paris weather", 0, len(WEATHER_TEXT))
    return response([web_search("weather Paris today", [WEATHER_URL]), message(WEATHER_TEXT, [cited])], counts)


def with_unknown_items(text: str, counts: dict[str, Any]) -> dict[str, Any]:
    """Items the hub reads nothing from: a remote MCP server's tool listing, and a type added later."""
    listing = {
        "id": "mcpl_0a91c3e7f25b4d6a0069343d4100c08190e3f4a5b6c7d8e9",
        "type": "mcp_list_tools",
        "server_label": "docs",
        "tools": [{"name": "search_docs", "input_schema": {"type": "object"}, "annotations": None}],
        "error": None,
    }
    future = {"id": "fx_0a91c3e7f25b4d6a", "type": "memory_recall", "status": "completed", "entries": 2}
    return response([listing, future, message(text)], counts)


# --- streams ---------------------------------------------------------------------------------------------


def _lifecycle_start(model: str, effort: str | None) -> list[dict[str, Any]]:
    started = response([], None, model=model, status="in_progress", effort=effort)
    return [{"type": "response.created", "response": started}, {"type": "response.in_progress", "response": started}]


def _message_events(index: int, texts: list[str], annotations: list[dict[str, Any]] | None = None) -> list[Any]:
    where = {"item_id": MESSAGE_ID, "output_index": index}
    full = message("".join(texts), annotations)
    empty = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
    events: list[dict[str, Any]] = [
        {
            "type": "response.output_item.added",
            "output_index": index,
            "item": {**full, "status": "in_progress", "content": []},
        },
        {"type": "response.content_part.added", **where, "content_index": 0, "part": empty},
    ]
    # Each delta padded with an `obfuscation` string (a side-channel guard) the hub does not read.
    events += [
        {
            "type": "response.output_text.delta",
            **where,
            "content_index": 0,
            "delta": t,
            "logprobs": [],
            "obfuscation": "x7" * (n + 1),
        }
        for n, t in enumerate(texts)
    ]
    for n, annotation in enumerate(annotations or []):
        events.append(
            {
                "type": "response.output_text.annotation.added",
                **where,
                "content_index": 0,
                "annotation_index": n,
                "annotation": annotation,
            }
        )
    events += [
        {"type": "response.output_text.done", **where, "content_index": 0, "text": "".join(texts), "logprobs": []},
        {"type": "response.content_part.done", **where, "content_index": 0, "part": full["content"][0]},
        {"type": "response.output_item.done", "output_index": index, "item": full},
    ]
    return events


def _reasoning_events(index: int, summaries: list[str]) -> list[dict[str, Any]]:
    where = {"item_id": REASONING_ID, "output_index": index}
    events: list[dict[str, Any]] = [
        {"type": "response.output_item.added", "output_index": index, "item": {**reasoning([]), "summary": []}}
    ]
    for n, summary in enumerate(summaries):
        part = {"type": "summary_text", "text": ""}
        events.append({"type": "response.reasoning_summary_part.added", **where, "summary_index": n, "part": part})
        half = len(summary) // 2
        for piece in (summary[:half], summary[half:]):
            events.append(
                {
                    "type": "response.reasoning_summary_text.delta",
                    **where,
                    "summary_index": n,
                    "delta": piece,
                    "obfuscation": "q1",
                }
            )
        events.append({"type": "response.reasoning_summary_text.done", **where, "summary_index": n, "text": summary})
        done = {"type": "summary_text", "text": summary}
        events.append({"type": "response.reasoning_summary_part.done", **where, "summary_index": n, "part": done})
    events.append({"type": "response.output_item.done", "output_index": index, "item": reasoning(summaries)})
    return events


def _search_events(index: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    where = {"item_id": SEARCH_ID, "output_index": index}
    started = {"id": SEARCH_ID, "type": "web_search_call", "status": "in_progress"}
    return [
        {"type": "response.output_item.added", "output_index": index, "item": started},
        {"type": "response.web_search_call.in_progress", **where},
        {"type": "response.web_search_call.searching", **where},
        {"type": "response.web_search_call.completed", **where},
        {"type": "response.output_item.done", "output_index": index, "item": item},
    ]


def _completed(final: dict[str, Any]) -> dict[str, Any]:
    return {"type": "response.completed", "response": final}


def stream(texts: list[str], counts: dict[str, Any]) -> list[dict[str, Any]]:
    final = plain("".join(texts), counts)
    return [*_lifecycle_start(final["model"], None), *_message_events(0, texts), _completed(final)]


def reasoned_stream(summaries: list[str], texts: list[str], counts: dict[str, Any]) -> list[dict[str, Any]]:
    final = reasoned(summaries, "".join(texts), counts)
    start = _lifecycle_start(final["model"], "medium")
    return [*start, *_reasoning_events(0, summaries), *_message_events(1, texts), _completed(final)]


def searched_stream(texts: list[str], counts: dict[str, Any]) -> list[dict[str, Any]]:
    """The search's own progress events (the hub reads none of them), then the cited answer."""
    final = searched(counts)
    search, answer = final["output"]
    annotations = answer["content"][0]["annotations"]
    events = [*_lifecycle_start(final["model"], None), *_search_events(0, search)]
    return [*events, *_message_events(1, texts, annotations), _completed(final)]


def stream_with_unknown_events(texts: list[str], counts: dict[str, Any]) -> list[dict[str, Any]]:
    """Events of types added after the hub was written, between the ones it reads: they must pass."""
    events = stream(texts, counts)
    later = [
        {"type": "response.queued", "response": events[0]["response"]},
        {"type": "response.output_text.highlight", "item_id": MESSAGE_ID, "output_index": 0, "spans": [[0, 5]]},
    ]
    return [events[0], later[0], *events[1:4], later[1], *events[4:]]


def failed_stream(texts: list[str]) -> list[dict[str, Any]]:
    """The upstream gives up mid-answer: `response.failed` carries the error, and no usage."""
    failed = response([], None, status="failed")
    failed["error"] = {"code": "server_error", "message": "The server had an error processing your request."}
    return [*stream(texts, usage(1, 1))[:-1][:5], {"type": "response.failed", "response": failed}]


INVALID = {
    "error": {
        "message": "Unsupported parameter: 'temperature' is not supported with this model.",
        "type": "invalid_request_error",
        "param": "temperature",
        "code": "unsupported_parameter",
    }
}
RATE_LIMITED = {
    "error": {
        "message": "Rate limit reached for gpt-5 in organization org-x on tokens per min (TPM): Limit 500000.",
        "type": "tokens",
        "param": None,
        "code": "rate_limit_exceeded",
    }
}
