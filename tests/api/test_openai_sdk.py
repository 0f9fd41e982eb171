"""The official openai package against the live hub: model list, costs, forwarding, streams, vision."""

from __future__ import annotations

from decimal import Decimal

import openai
import pytest

from billing.models import UsageRecord
from tests.fake_upstream import Reply

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
