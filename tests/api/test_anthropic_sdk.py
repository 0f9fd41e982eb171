"""The official anthropic package against the live hub's /v1/messages, for a Claude, a GPT and a Gemini model."""

from __future__ import annotations

import json
from decimal import Decimal

import anthropic
import pytest

from billing.models import Team, UsageRecord
from tests.fake_upstream import Fail, Reply

pytestmark = pytest.mark.django_db(transaction=True)

# Catalog model → the model id its upstream sees (Claude and Gemini on the direct providers, GPT on AIsa).
UPSTREAM_IDS = {
    "claude-3-5-sonnet": "claude-3-5-sonnet-20241022",
    "gpt-4.1": "gpt-4.1",
    "gemini-2.0-flash": "gemini-2.0-flash",
}
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
WEATHER_CALL = {
    "id": "call_w1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
}


@pytest.fixture
def claude_client(hub_root, alice, direct):
    return anthropic.Anthropic(api_key=alice.key, base_url=hub_root, max_retries=0, timeout=20)


@pytest.mark.parametrize("model", list(UPSTREAM_IDS))
def test_message_with_tool_call(claude_client, direct, model):
    direct.script(
        UPSTREAM_IDS[model], Reply(text="Checking.", tool_calls=[WEATHER_CALL], prompt_tokens=20, completion_tokens=10)
    )
    message = claude_client.messages.create(
        model=model,
        max_tokens=256,
        system="You are terse.",
        tools=[WEATHER_TOOL],
        messages=[{"role": "user", "content": "Weather in Paris?"}],
    )
    # Translated answers name the catalog model; a Claude model's answer passes through with Anthropic's own id.
    assert message.model == (UPSTREAM_IDS[model] if model.startswith("claude") else model)
    assert message.stop_reason == "tool_use"
    assert message.content[0].type == "text" and message.content[0].text == "Checking."
    tool_use = message.content[1]
    assert (tool_use.type, tool_use.name, tool_use.input) == ("tool_use", "get_weather", {"city": "Paris"})
    assert (message.usage.input_tokens, message.usage.output_tokens) == (20, 10)
    record = UsageRecord.objects.get()
    assert Decimal(str(message.usage.model_extra["cost"])) == record.cost > 0
    assert Decimal(str(message.usage.model_extra["credits_remaining"])) == Decimal("100") - record.cost
    assert record.model_served == model


@pytest.mark.parametrize("model", list(UPSTREAM_IDS))
def test_tool_result_round_trip(claude_client, direct, model):
    direct.script(UPSTREAM_IDS[model], Reply(text="It is sunny in Paris."))
    message = claude_client.messages.create(
        model=model,
        max_tokens=256,
        tools=[WEATHER_TOOL],
        messages=[
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "call_w1", "name": "get_weather", "input": {"city": "Paris"}}],
            },
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_w1", "content": "sunny, 21C"}]},
        ],
    )
    assert message.content[0].text == "It is sunny in Paris."
    sent = json.dumps(direct.received[-1].body)
    assert "sunny, 21C" in sent and "get_weather" in sent


@pytest.mark.parametrize("model", list(UPSTREAM_IDS))
def test_stream_with_tool_call(claude_client, direct, model):
    direct.script(
        UPSTREAM_IDS[model],
        Reply(text="Let me look that up.", tool_calls=[WEATHER_CALL], prompt_tokens=30, completion_tokens=12),
    )
    with claude_client.messages.stream(
        model=model, max_tokens=256, tools=[WEATHER_TOOL], messages=[{"role": "user", "content": "Weather?"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "Let me look that up."
    assert final.stop_reason == "tool_use"
    tool_use = next(block for block in final.content if block.type == "tool_use")
    assert (tool_use.name, tool_use.input) == ("get_weather", {"city": "Paris"})
    assert (final.usage.input_tokens, final.usage.output_tokens) == (30, 12)
    record = UsageRecord.objects.get()
    assert (record.status, record.stream, record.model_served) == ("ok", True, model)


def test_stream_events_are_anthropics(claude_client, direct):
    with claude_client.messages.create(
        model="gpt-4.1", max_tokens=50, stream=True, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        kinds = [event.type for event in stream]
    assert kinds[0] == "message_start"
    assert kinds[1:3] == ["content_block_start", "content_block_delta"]
    assert kinds[-3:] == ["content_block_stop", "message_delta", "message_stop"]


def test_bad_key_is_authentication_error(hub_root, direct):
    client = anthropic.Anthropic(api_key="sk-hub-wrong", base_url=hub_root, max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as caught:
        client.messages.create(model="claude-3-5-sonnet", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    assert caught.value.status_code == 401
    assert caught.value.body["error"]["type"] == "authentication_error"


def test_unknown_model_is_not_found_error(claude_client):
    with pytest.raises(anthropic.NotFoundError) as caught:
        claude_client.messages.create(model="claude-9", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    assert caught.value.body == {
        "type": "error",
        "error": {
            "type": "not_found_error",
            "message": "Model 'claude-9' is not available. GET /v1/models lists the models this hub serves.",
        },
    }


@pytest.mark.parametrize("model", list(UPSTREAM_IDS))
def test_upstream_rate_limit_is_rate_limit_error(claude_client, direct, model):
    direct.script(UPSTREAM_IDS[model], Fail(429, "slow down"), Fail(429, "slow down"))
    with pytest.raises(anthropic.RateLimitError) as caught:
        claude_client.messages.create(model=model, max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    assert caught.value.body["error"]["type"] == "rate_limit_error"


def test_hold_above_balance_is_402_billing_error(claude_client, acme):
    Team.objects.filter(pk=acme.pk).update(balance=Decimal("0.0001"))  # not even the lowest output cap fits
    with pytest.raises(anthropic.APIStatusError) as caught:
        claude_client.messages.create(
            model="claude-3-opus", max_tokens=2_000_000, messages=[{"role": "user", "content": "hi"}]
        )
    assert caught.value.status_code == 402
    assert caught.value.body["error"]["type"] == "billing_error"


def test_missing_max_tokens_is_invalid_request(claude_client):
    with pytest.raises(anthropic.BadRequestError) as caught:
        claude_client.post(
            "/v1/messages", body={"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}]}, cast_to=object
        )
    assert "max_tokens" in caught.value.body["error"]["message"]


def test_count_tokens_is_an_unbilled_estimate(claude_client, direct):
    counted = claude_client.messages.count_tokens(
        model="claude-3-5-sonnet", messages=[{"role": "user", "content": "x" * 400}], tools=[WEATHER_TOOL]
    )
    assert 100 <= counted.input_tokens <= 200
    assert direct.received == []
    assert UsageRecord.objects.count() == 0
    with pytest.raises(anthropic.NotFoundError):
        claude_client.messages.count_tokens(model="claude-9", messages=[{"role": "user", "content": "x"}])


def test_claude_through_aisa_when_no_direct_key(hub_root, alice, upstream):
    """The default set-up: Claude served by AIsa's OpenAI-compatible API, still answered in Anthropic's format."""
    upstream.script("claude-3-5-sonnet", Reply(text="via AIsa", prompt_tokens=10, completion_tokens=2))
    client = anthropic.Anthropic(api_key=alice.key, base_url=hub_root, max_retries=0, timeout=20)
    message = client.messages.create(
        model="claude-3-5-sonnet", max_tokens=64, messages=[{"role": "user", "content": "hi"}]
    )
    assert message.content[0].text == "via AIsa"
    assert upstream.requests_for("/v1/chat/completions")[-1].body["max_tokens"] == 64
    # 10 × $3 + 2 × $15, per million
    assert Decimal(str(message.usage.model_extra["cost"])) == Decimal("0.00006")
    assert UsageRecord.objects.get().provider == "aisa"
