"""The official openai package against the live hub, with the fake upstream behind it."""

from __future__ import annotations

from decimal import Decimal

import openai
import pytest

from billing.models import CreditLedgerEntry, Team, UsageRecord
from tests.fake_upstream import Fail, Reply, Stall

pytestmark = pytest.mark.django_db(transaction=True)


def test_model_list_has_prices_and_capabilities(openai_client):
    models = openai_client.models.list()
    by_id = {m.id: m for m in models.data}
    assert {"gpt-4.1", "claude-3-5-sonnet", "gemini-2.0-flash", "deepseek-r1", "grok-beta"} <= set(by_id)
    gpt = by_id["gpt-4.1"].model_dump()
    assert gpt["family"] == "GPT"
    assert Decimal(str(gpt["pricing"]["input_per_million"])) == Decimal("2.00")
    assert gpt["capabilities"] == {"vision": True, "tools": True, "streaming": True}
    assert gpt["context_window"] == 1_047_576


def test_model_retrieve(openai_client):
    assert openai_client.models.retrieve("qwen-max").id == "qwen-max"


def test_completion_carries_cost_and_credits(openai_client, upstream, acme):
    upstream.script("gpt-4.1", Reply(text="Quantum computing uses qubits.", prompt_tokens=50, completion_tokens=200))
    response = openai_client.chat.completions.create(
        model="gpt-4.1",
        messages=[{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Explain."}],
        temperature=0.7,
        max_tokens=1000,
    )
    assert response.choices[0].message.content == "Quantum computing uses qubits."
    usage = response.usage.model_dump()
    # 50 × $2/M + 200 × $8/M = $0.0017
    assert Decimal(str(usage["cost"])) == Decimal("0.0017")
    acme.refresh_from_db()
    assert Decimal(str(usage["credits_remaining"])) == acme.balance == Decimal("100") - Decimal("0.0017")
    record = UsageRecord.objects.get()
    assert (record.prompt_tokens, record.completion_tokens, record.status) == (50, 200, "ok")
    assert record.charge.amount == Decimal("-0.0017")


def test_request_forwarded_faithfully(openai_client, upstream):
    openai_client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "hi"}],
        temperature=0.2,
        top_p=0.9,
        frequency_penalty=0.5,
        presence_penalty=-0.5,
        stop=["END"],
        n=1,
        seed=7,
        response_format={"type": "json_object"},
        user="u-42",
        max_completion_tokens=64,
    )
    sent = upstream.requests_for("/chat/completions")[-1]
    assert sent.headers["Authorization"] == "Bearer fake-aisa-key"
    for name, value in {
        "model": "gpt-4o",
        "temperature": 0.2,
        "top_p": 0.9,
        "frequency_penalty": 0.5,
        "presence_penalty": -0.5,
        "stop": ["END"],
        "n": 1,
        "seed": 7,
        "response_format": {"type": "json_object"},
        "user": "u-42",
        "max_completion_tokens": 64,
    }.items():
        assert sent.body[name] == value, name


def test_stream_with_usage(openai_client, upstream):
    upstream.script("claude-3-sonnet", Reply(text="In circuits deep we dream", prompt_tokens=10, completion_tokens=5))
    stream = openai_client.chat.completions.create(
        model="claude-3-sonnet",
        messages=[{"role": "user", "content": "Write a poem about AI."}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "In circuits deep we dream"
    assert all(c.model == "claude-3-sonnet" for c in chunks)
    usage = chunks[-1].usage.model_dump()
    # 10 × $3/M + 5 × $15/M = $0.000105
    assert Decimal(str(usage["cost"])) == Decimal("0.000105")
    assert "credits_remaining" in usage
    sent = upstream.requests_for("/chat/completions")[-1].body
    assert sent["stream_options"] == {"include_usage": True}


def test_stream_without_usage_is_still_metered(openai_client, upstream):
    upstream.script("gpt-4o", Reply(text="a b c", prompt_tokens=3, completion_tokens=3))
    chunks = list(
        openai_client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}], stream=True)
    )
    assert all(c.usage is None for c in chunks)
    assert upstream.requests_for("/chat/completions")[-1].body["stream_options"] == {"include_usage": True}
    record = UsageRecord.objects.get()
    assert (record.prompt_tokens, record.completion_tokens, record.stream) == (3, 3, True)
    assert record.ttft_ms is not None


def test_vision_content_parts_forwarded(openai_client, upstream):
    parts = [
        {"type": "text", "text": "What is in this image?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/image.jpg"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ]
    openai_client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": parts}])
    assert upstream.requests_for("/chat/completions")[-1].body["messages"][0]["content"] == parts
    assert UsageRecord.objects.get().images == 2


def test_image_to_model_without_vision_is_refused(openai_client, upstream):
    parts = [{"type": "image_url", "image_url": {"url": "https://example.com/a.jpg"}}]
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.chat.completions.create(model="deepseek-chat", messages=[{"role": "user", "content": parts}])
    assert caught.value.body["code"] == "model_not_vision_capable"
    assert upstream.received == []


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


def test_400_names_the_field(openai_client, upstream):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.chat.completions.create(
            model="gpt-4.1", messages=[{"role": "user", "content": "x"}], temperature=7
        )
    assert caught.value.status_code == 400
    assert caught.value.body["param"] == "temperature"
    assert caught.value.body["type"] == "invalid_request_error"


def test_401_for_unknown_key(hub_url, upstream):
    client = openai.OpenAI(api_key="sk-hub-not-a-real-key", base_url=hub_url, max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "x"}])
    assert caught.value.body["code"] == "invalid_api_key"


def test_402_when_credits_cannot_cover(openai_client, upstream, acme):
    Team.objects.filter(pk=acme.pk).update(balance=Decimal("0.0001"))
    with pytest.raises(openai.APIStatusError) as caught:
        openai_client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "x"}])
    assert caught.value.status_code == 402
    assert caught.value.body["code"] == "insufficient_credits"
    assert upstream.received == []
    assert UsageRecord.objects.count() == 0


def test_404_model_not_found(openai_client, upstream):
    with pytest.raises(openai.NotFoundError) as caught:
        openai_client.chat.completions.create(model="xyz", messages=[{"role": "user", "content": "x"}])
    assert caught.value.body["code"] == "model_not_found"
    assert "xyz" in caught.value.body["message"]


def test_429_with_retry_after(openai_client, upstream):
    upstream.script("gpt-4.1", Fail(429, "slow down", {"Retry-After": "30"}))
    with pytest.raises(openai.RateLimitError) as caught:
        openai_client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "x"}])
    assert caught.value.response.headers["Retry-After"] == "30"
    assert caught.value.body["code"] == "rate_limit_exceeded"


@pytest.mark.parametrize("upstream_status,hub_status", [(500, 502), (503, 503)])
def test_upstream_failures(openai_client, upstream, acme, upstream_status, hub_status):
    upstream.script("gpt-4.1", Fail(upstream_status), Fail(upstream_status))
    with pytest.raises(openai.InternalServerError) as caught:
        openai_client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "x"}])
    assert caught.value.status_code == hub_status
    record = UsageRecord.objects.get()
    assert record.status == "error" and record.cost == 0 and len(record.attempts) == 2
    acme.refresh_from_db()
    assert acme.reserved == 0 and acme.balance == Decimal("100")


def test_504_on_upstream_timeout(openai_client, upstream):
    upstream.script("gpt-4.1", Stall(3), Stall(3))
    with pytest.raises(openai.InternalServerError) as caught:
        openai_client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "x"}])
    assert caught.value.status_code == 504
    assert caught.value.body["code"] == "upstream_timeout"


# --- fallback ----------------------------------------------------------------------------------


def test_fallback_on_500(openai_client, upstream):
    upstream.script("gpt-4.1", Fail(500), Fail(500))
    response = openai_client.chat.completions.create(
        model="gpt-4.1",
        messages=[{"role": "user", "content": "x"}],
        extra_body={"models": ["claude-3-sonnet", "gemini-2.0-flash"]},
    )
    assert response.model == "claude-3-sonnet"
    assert response.choices[0].message.content == "Hello from fake claude-3-sonnet."
    record = UsageRecord.objects.get()
    assert [a["model"] for a in record.attempts] == ["gpt-4.1", "gpt-4.1", "claude-3-sonnet"]
    assert record.model_served == "claude-3-sonnet"
    assert CreditLedgerEntry.objects.filter(kind="charge").count() == 1


def test_fallback_on_timeout(openai_client, upstream):
    upstream.script("gpt-4o", Stall(3), Stall(3))
    raw = openai_client.chat.completions.with_raw_response.create(
        model="gpt-4o", messages=[{"role": "user", "content": "x"}], extra_body={"models": ["gpt-4o-mini"]}
    )
    assert raw.headers["x-llmhub-model"] == "gpt-4o-mini"
    assert raw.parse().model == "gpt-4o-mini"
    assert [a["code"] for a in UsageRecord.objects.get().attempts] == ["upstream_timeout", "upstream_timeout", ""]


def test_catalog_fallback_chain(openai_client, upstream):
    from llmhub.models import CatalogModel

    CatalogModel.objects.filter(name="qwen-max").update(fallbacks=["qwen-plus"])
    from llmhub import catalog

    catalog.invalidate()
    upstream.script("qwen-max", Fail(502), Fail(502))
    response = openai_client.chat.completions.create(model="qwen-max", messages=[{"role": "user", "content": "x"}])
    assert response.model == "qwen-plus"


def test_stream_fallback_before_first_byte(openai_client, upstream):
    upstream.script("gpt-4.1", Fail(500), Fail(500))
    chunks = list(
        openai_client.chat.completions.create(
            model="gpt-4.1",
            messages=[{"role": "user", "content": "x"}],
            stream=True,
            extra_body={"models": ["grok-2"]},
        )
    )
    assert {c.model for c in chunks} == {"grok-2"}


def test_dropped_connection_falls_back(openai_client, upstream):
    from tests.fake_upstream import Drop

    upstream.script("gpt-4.1", Drop(), Drop())
    response = openai_client.chat.completions.create(
        model="gpt-4.1", messages=[{"role": "user", "content": "x"}], extra_body={"models": ["gpt-4o"]}
    )
    assert response.model == "gpt-4o"
    assert [a["code"] for a in UsageRecord.objects.get().attempts][:2] == ["upstream_unavailable"] * 2


def test_dropped_connection_without_fallback_is_503(openai_client, upstream):
    from tests.fake_upstream import Drop

    upstream.script("gpt-4.1", Drop(), Drop())
    with pytest.raises(openai.InternalServerError) as caught:
        openai_client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "x"}])
    assert caught.value.status_code == 503
