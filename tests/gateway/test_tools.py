"""Tools through the gateway with the openai package: round trips, legacy functions, streamed tool calls."""

from __future__ import annotations

import pytest

from tests.fake_upstream import Reply

pytestmark = pytest.mark.django_db(transaction=True)


def test_tools_round_trip(openai_client, upstream):
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"location":"Tokyo"}'},
    }
    upstream.script("gpt-4.1", Reply(text="", tool_calls=[call]))
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
            },
        }
    ]
    response = openai_client.chat.completions.create(
        model="gpt-4.1", messages=[{"role": "user", "content": "Weather in Tokyo?"}], tools=tools, tool_choice="auto"
    )
    assert response.choices[0].finish_reason == "tool_calls"
    assert response.choices[0].message.tool_calls[0].function.name == "get_weather"
    sent = upstream.requests_for("/chat/completions")[-1].body
    assert sent["tools"] == tools and sent["tool_choice"] == "auto"


def test_legacy_functions_forwarded(openai_client, upstream):
    functions = [{"name": "get_weather", "parameters": {"type": "object", "properties": {}}}]
    openai_client.chat.completions.create(
        model="gpt-4.1", messages=[{"role": "user", "content": "Weather?"}], functions=functions, function_call="auto"
    )
    sent = upstream.requests_for("/chat/completions")[-1].body
    assert sent["functions"] == functions and sent["function_call"] == "auto"


def test_streamed_tool_calls(openai_client, upstream):
    call = {"id": "call_9", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
    upstream.script("gpt-4o", Reply(text="", chunks=[], tool_calls=[call]))
    chunks = list(
        openai_client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": "x"}],
            stream=True,
            tools=[{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}],
        )
    )
    calls = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    assert calls[0].function.name == "lookup"
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


# --- errors, each with the SDK's matching exception class ----------------------------------------
