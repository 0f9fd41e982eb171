"""OpenAI's Agents SDK against the live hub: it speaks the Responses API by default."""

from __future__ import annotations

import pytest

from tests.fake_upstream import Reply

pytestmark = pytest.mark.django_db(transaction=True)


def test_agent_with_one_function_tool_runs_to_completion(hub_url, alice, upstream):
    from agents import Agent, OpenAIResponsesModel, Runner, function_tool, set_tracing_disabled
    from openai import AsyncOpenAI

    set_tracing_disabled(True)  # tracing would post to OpenAI's servers
    seen: list[str] = []

    @function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        seen.append(city)
        return f"Sunny in {city}."

    call = {"id": "call_w", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'}}
    upstream.script("gpt-4.1", Reply(text="", tool_calls=[call]), Reply(text="It is sunny in Oslo."))
    client = AsyncOpenAI(api_key=alice.key, base_url=hub_url, max_retries=0)
    agent = Agent(
        name="weather",
        instructions="Answer with the weather tool.",
        tools=[get_weather],
        model=OpenAIResponsesModel(model="gpt-4.1", openai_client=client),
    )
    result = Runner.run_sync(agent, "Weather in Oslo?")
    assert seen == ["Oslo"]
    assert result.final_output == "It is sunny in Oslo."
    tool_turn = upstream.requests_for("/chat/completions")[-1].body["messages"]
    assert tool_turn[-1] == {"role": "tool", "tool_call_id": "call_w", "content": "Sunny in Oslo."}
