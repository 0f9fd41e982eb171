"""Reading a Responses upstream: strict on the usage money depends on, tolerant of item and event types the
hub does not know (they pass through), hosted tool calls counted from the answer's items."""

from __future__ import annotations

import pytest

from llmhub.errors import UpstreamError
from llmhub.providers.openai.responses_read import (
    ResponsesStreamReader,
    completion_from_responses,
    usage_from_responses,
)

USAGE = {
    "input_tokens": 100,
    "input_tokens_details": {"cached_tokens": 60},
    "output_tokens": 20,
    "output_tokens_details": {"reasoning_tokens": 5},
    "total_tokens": 120,
}


def _response(output, usage=USAGE, status="completed"):
    return {"id": "resp_1", "object": "response", "model": "gpt-x", "status": status, "output": output, "usage": usage}


def test_usage_reads_cached_and_reasoning_tokens_and_hosted_calls():
    output = [{"type": "web_search_call", "id": "ws"}, {"type": "file_search_call", "id": "fs"}]
    output += [{"type": "web_search_call", "id": "ws2"}, {"type": "image_generation_call", "id": "ig"}]
    usage = usage_from_responses(USAGE, output)
    assert (usage.prompt_tokens, usage.cached_tokens, usage.completion_tokens, usage.reasoning_tokens) == (
        100,
        60,
        20,
        5,
    )
    assert usage.server_tool_requests == {"web_search": 2, "file_search": 1}


def test_unknown_item_types_pass_and_known_ones_are_read():
    output = [
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Thinking."}]},
        {"type": "mcp_list_tools", "tools": "anything"},
        {"type": "message", "content": [{"type": "output_text", "text": "Hi."}]},
        {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
    ]
    body = completion_from_responses(_response(output), "openai")
    message = body["choices"][0]["message"]
    assert (message["content"], message["reasoning_content"]) == ("Hi.", "Thinking.")
    assert message["tool_calls"][0]["id"] == "c1"
    assert body["choices"][0]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize(
    "usage", [{**USAGE, "input_tokens": "100"}, {**USAGE, "output_tokens": -1}, {"output_tokens": 3}]
)
def test_a_usage_of_the_wrong_shape_is_the_upstreams_failure(usage):
    with pytest.raises(UpstreamError, match="malformed response"):
        completion_from_responses(_response([], usage=usage), "openai")


def test_a_failed_response_is_an_upstream_error():
    failed = {**_response([], usage=None, status="failed"), "error": {"code": "server_error", "message": "boom"}}
    with pytest.raises(UpstreamError, match=r"openai failed the response \(server_error\)\.$"):
        completion_from_responses(failed, "openai")


def test_the_stream_reader_turns_events_into_chunks_and_ends_on_completed():
    reader = ResponsesStreamReader("openai")
    assert reader.feed({"type": "response.created", "response": _response([], usage=None, status="in_progress")})
    assert reader.feed({"type": "response.some_future_event", "whatever": 1}) is None
    chunk = reader.feed({"type": "response.output_text.delta", "output_index": 0, "delta": "Hel"})
    assert chunk is not None and chunk.data["choices"][0]["delta"] == {"content": "Hel"}
    item = {"type": "function_call", "call_id": "c1", "name": "f", "arguments": ""}
    added = reader.feed({"type": "response.output_item.added", "output_index": 1, "item": item})
    assert added is not None and added.data["choices"][0]["delta"]["tool_calls"][0]["id"] == "c1"
    final = reader.feed({"type": "response.completed", "response": _response([{"type": "web_search_call"}])})
    assert reader.finished and final is not None and final.usage is not None
    assert final.usage.server_tool_requests == {"web_search": 1}
    assert final.data["choices"][0]["finish_reason"] == "tool_calls"


def test_a_malformed_delta_or_an_error_event_is_the_upstreams_failure():
    with pytest.raises(UpstreamError, match="malformed stream event"):
        ResponsesStreamReader("openai").feed({"type": "response.output_text.delta", "delta": 5})
    with pytest.raises(UpstreamError, match=r"openai failed the response \(server_is_overloaded\)\.$") as raised:
        ResponsesStreamReader("openai").feed({"type": "error", "code": "server_is_overloaded", "message": "Busy."})
    assert "Busy" not in raised.value.message  # the upstream's words are not relayed


def test_streamed_summary_parts_are_paragraphs_as_in_the_whole_answer():
    reader = ResponsesStreamReader("openai")
    deltas = []
    for n, text in enumerate(["First.", "Second."]):
        part = {"type": "summary_text", "text": ""}
        added = {"type": "response.reasoning_summary_part.added", "output_index": 0, "summary_index": n, "part": part}
        delta = {"type": "response.reasoning_summary_text.delta", "output_index": 0, "summary_index": n, "delta": text}
        deltas += [reader.feed(added), reader.feed(delta)]
    streamed = "".join(c.data["choices"][0]["delta"]["reasoning_content"] for c in deltas if c is not None)
    summary = [{"type": "summary_text", "text": "First."}, {"type": "summary_text", "text": "Second."}]
    whole = completion_from_responses(_response([{"type": "reasoning", "summary": summary}]), "openai")
    assert streamed == whole["choices"][0]["message"]["reasoning_content"] == "First.\n\nSecond."
