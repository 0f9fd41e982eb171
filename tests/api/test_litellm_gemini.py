"""litellm's `gemini/` provider pointed at the hub with `api_base`: it speaks Gemini's snake_case spellings."""

from __future__ import annotations

import json
import os

import pytest

from tests.fake_upstream import Reply

pytestmark = pytest.mark.django_db(transaction=True)

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # litellm would fetch its price list at import

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def test_litellm_gemini_tool_call_through_the_hub(hub_root, alice, upstream):
    import litellm

    call = {"id": "call_l", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'}}
    upstream.script("gemini-2.0-flash", Reply(text="", tool_calls=[call]))
    response = litellm.completion(
        model="gemini/gemini-2.0-flash",
        api_base=hub_root + "/v1beta",
        api_key=alice.key,
        messages=[{"role": "user", "content": "Weather in Rome?"}],
        tools=[WEATHER],
        max_tokens=64,
    )
    tool_call = response.choices[0].message.tool_calls[0]
    assert tool_call.function.name == "get_weather"
    assert json.loads(tool_call.function.arguments) == {"city": "Rome"}
    sent = upstream.requests_for("/chat/completions")[-1].body
    assert sent["tools"][0]["function"]["parameters"]["properties"] == {"city": {"type": "string"}}
    assert sent["max_tokens"] == 64
