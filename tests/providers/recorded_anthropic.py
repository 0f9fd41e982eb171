"""Anthropic Messages answers in the shapes Anthropic sends them: a web search with citations and an MCP call
(JSON and SSE), extended thinking, cache reads and one-hour cache writes, and an error body."""

from __future__ import annotations

import json
from typing import Any

MODEL = "claude-sonnet-4-5-20250929"


def sse(events: list[dict[str, Any]]) -> list[bytes]:
    """The events framed as Anthropic frames them: `event: <type>` then one data line, a blank line after."""
    return [f"event: {e['type']}\ndata: {json.dumps(e, separators=(',', ':'))}\n\n".encode() for e in events]


def usage(
    input_tokens: int, output_tokens: int, *, reads: int = 0, writes_5m: int = 0, writes_1h: int = 0, searches: int = 0
) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": writes_5m + writes_1h,
        "cache_read_input_tokens": reads,
        "cache_creation": {"ephemeral_5m_input_tokens": writes_5m, "ephemeral_1h_input_tokens": writes_1h},
        "output_tokens": output_tokens,
        "server_tool_use": {"web_search_requests": searches, "web_fetch_requests": 0},
        "service_tier": "standard",
    }


SEARCH_ID = "srvtoolu_01WYG3ziw53XMcoyKL4XcZmE"
MCP_ID = "mcptoolu_01K7ZJZEAFxVrGN5V9eL9mCt"
RESULTS = [
    {
        "type": "web_search_result",
        "title": "Weather in Paris",
        "url": "https://weather.example/paris",
        "encrypted_content": "EqgfCioIARgBIiQ3YTAwMjY1Mi1mZjM5LTQ1NGUtODgxNC1kNjNjNTk1ZWI3Y2MSDNnNz",
        "page_age": "December 6, 2026",
    }
]
CITATION = {
    "type": "web_search_result_location",
    "cited_text": "Paris: 9°C, light rain.",
    "url": "https://weather.example/paris",
    "title": "Weather in Paris",
    "encrypted_index": "Eo8BCioIAhgBIiQyYjQ0OWJmZi1lNm",
}


def web_search_events(*, searches: int = 2) -> list[dict[str, Any]]:
    """A streamed answer that searched the web (twice), called an MCP tool, then answered with a citation."""
    start_usage = usage(2679, 3, searches=0)
    events: list[dict[str, Any]] = [
        {
            "type": "message_start",
            "message": {
                "id": "msg_01G8Ai2bTLZJr3rGy8TxwFYp",
                "type": "message",
                "role": "assistant",
                "model": MODEL,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": start_usage,
            },
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Let me check."}},
        {"type": "content_block_stop", "index": 0},
        {"type": "ping"},
    ]
    index = 1
    for n in range(searches):
        events += [
            {
                "type": "content_block_start",
                "index": index,
                "content_block": {
                    "type": "server_tool_use",
                    "id": f"{SEARCH_ID}{n}",
                    "name": "web_search",
                    "input": {},
                },
            },
            {"type": "content_block_delta", "index": index, "delta": {"type": "input_json_delta", "partial_json": ""}},
            {
                "type": "content_block_delta",
                "index": index,
                "delta": {"type": "input_json_delta", "partial_json": '{"query": "paris weather'},
            },
            {
                "type": "content_block_delta",
                "index": index,
                "delta": {"type": "input_json_delta", "partial_json": '"}'},
            },
            {"type": "content_block_stop", "index": index},
            {
                "type": "content_block_start",
                "index": index + 1,
                "content_block": {
                    "type": "web_search_tool_result",
                    "tool_use_id": f"{SEARCH_ID}{n}",
                    "content": RESULTS,
                },
            },
            {"type": "content_block_stop", "index": index + 1},
        ]
        index += 2
    events += [
        {
            "type": "content_block_start",
            "index": index,
            "content_block": {
                "type": "mcp_tool_use",
                "id": MCP_ID,
                "name": "forecast",
                "server_name": "meteo",
                "input": {},
            },
        },
        {
            "type": "content_block_delta",
            "index": index,
            "delta": {"type": "input_json_delta", "partial_json": '{"city":"Paris"}'},
        },
        {"type": "content_block_stop", "index": index},
        {
            "type": "content_block_start",
            "index": index + 1,
            "content_block": {
                "type": "mcp_tool_result",
                "tool_use_id": MCP_ID,
                "is_error": False,
                "content": [{"type": "text", "text": "rain until 18:00"}],
            },
        },
        {"type": "content_block_stop", "index": index + 1},
        {"type": "content_block_start", "index": index + 2, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": index + 2, "delta": {"type": "citations_delta", "citation": CITATION}},
        {"type": "content_block_delta", "index": index + 2, "delta": {"type": "text_delta", "text": "It is 9°C"}},
        {"type": "content_block_delta", "index": index + 2, "delta": {"type": "text_delta", "text": " with rain."}},
        {"type": "content_block_stop", "index": index + 2},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": usage(10682, 510, searches=searches),
        },
        {"type": "message_stop"},
    ]
    return events


def web_search_message(*, searches: int = 2) -> dict[str, Any]:
    """The same answer as one JSON body."""
    content: list[dict[str, Any]] = [{"type": "text", "text": "Let me check."}]
    for n in range(searches):
        query = {"query": "paris weather"}
        content.append({"type": "server_tool_use", "id": f"{SEARCH_ID}{n}", "name": "web_search", "input": query})
        content.append({"type": "web_search_tool_result", "tool_use_id": f"{SEARCH_ID}{n}", "content": RESULTS})
    content += [
        {"type": "mcp_tool_use", "id": MCP_ID, "name": "forecast", "server_name": "meteo", "input": {"city": "Paris"}},
        {
            "type": "mcp_tool_result",
            "tool_use_id": MCP_ID,
            "is_error": False,
            "content": [{"type": "text", "text": "rain"}],
        },
        {"type": "text", "text": "It is 9°C with rain.", "citations": [CITATION]},
    ]
    return {
        "id": "msg_01G8Ai2bTLZJr3rGy8TxwFYp",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": content,
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": usage(10682, 510, searches=searches),
    }


def thinking_message(*, reads: int = 0, writes_5m: int = 0, writes_1h: int = 0) -> dict[str, Any]:
    """Extended thinking, with a cached prefix read and written."""
    return {
        "id": "msg_01Thk7bDq1x5Lwz3F2cU9nMe",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [
            {"type": "thinking", "thinking": "The user wants 2+2.", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"},
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"},
            {"type": "text", "text": "4"},
        ],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": usage(21, 95, reads=reads, writes_5m=writes_5m, writes_1h=writes_1h),
    }


def thinking_events(*, reads: int = 0, writes_5m: int = 0, writes_1h: int = 0) -> list[dict[str, Any]]:
    final = usage(21, 95, reads=reads, writes_5m=writes_5m, writes_1h=writes_1h)
    message = thinking_message(reads=reads, writes_5m=writes_5m, writes_1h=writes_1h)
    return [
        {
            "type": "message_start",
            "message": {**message, "content": [], "stop_reason": None, "usage": {**final, "output_tokens": 1}},
        },
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "thinking", "thinking": "", "signature": ""},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "The user wants 2+2."},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbc"},
        },
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "redacted_thinking", "data": "EmwKAhgB"}},
        {"type": "content_block_stop", "index": 1},
        {"type": "content_block_start", "index": 2, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 2, "delta": {"type": "text_delta", "text": "4"}},
        {"type": "content_block_stop", "index": 2},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": final},
        {"type": "message_stop"},
    ]


OVERLOADED = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
INVALID = {"type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: must be positive"}}
