"""Provider-specific parameters reach their own upstream: OpenRouter's own `models` list goes to an
OpenRouter upstream as written (the hub's fallback list is the one naming the hub's models), and
deepseek-reasoner takes tools; Groq's stream usage is read where Groq puts it."""

from __future__ import annotations

import openai
import pytest

from billing.models import UsageRecord
from llmhub import catalog
from llmhub.models import CatalogModel, Deployment
from tests.fake_upstream import Recorded, Reply
from tests.provider_env import configure_provider
from tests.providers import recorded_openai as shapes

pytestmark = pytest.mark.django_db(transaction=True)

ASK = [{"role": "user", "content": "hi"}]
WEATHER = {"type": "function", "function": {"name": "weather", "parameters": {"type": "object", "properties": {}}}}
OPENROUTER_IDS = ["anthropic/claude-sonnet-4.5", "openai/gpt-4o"]


@pytest.fixture
def openrouter(settings, upstream):
    """gpt-4o served first by OpenRouter (as openai/gpt-4o), the loopback upstream behind it."""
    configure_provider(settings, "openrouter", key="fake-openrouter-key", base_url=upstream.url + "/v1")
    Deployment.objects.create(
        model=CatalogModel.objects.get(name="gpt-4o"), provider="openrouter", upstream_model="openai/gpt-4o", priority=1
    )
    catalog.invalidate()
    yield upstream
    catalog.invalidate()


def _sent(fake):
    return fake.requests_for("/v1/chat/completions")[-1]


def test_openrouter_models_parameter_reaches_openrouter_as_written(openai_client, openrouter):
    answer = openai_client.chat.completions.create(model="gpt-4o", messages=ASK, extra_body={"models": OPENROUTER_IDS})
    assert answer.choices[0].message.content == "Hello from fake openai/gpt-4o."
    sent = _sent(openrouter)
    assert sent.headers["Authorization"] == "Bearer fake-openrouter-key"
    assert (sent.body["model"], sent.body["models"]) == ("openai/gpt-4o", OPENROUTER_IDS)


def test_hub_fallback_list_is_not_sent_to_openrouter(openai_client, openrouter):
    openai_client.chat.completions.create(model="gpt-4o", messages=ASK, extra_body={"models": ["gpt-4o-mini"]})
    assert "models" not in _sent(openrouter).body


def test_openrouter_model_ids_for_a_model_openrouter_does_not_serve_are_unknown_models(openai_client, upstream):
    with pytest.raises(openai.NotFoundError) as caught:
        openai_client.chat.completions.create(model="gpt-4o", messages=ASK, extra_body={"models": OPENROUTER_IDS})
    assert caught.value.body["code"] == "model_not_found"
    assert "anthropic/claude-sonnet-4.5" in caught.value.body["message"]
    assert not upstream.requests_for("/v1/chat/completions")


def test_models_parameter_never_reaches_other_upstreams(openai_client, openrouter):
    """gpt-4o-mini has no OpenRouter deployment: a hub fallback list is read, never forwarded."""
    openai_client.chat.completions.create(model="gpt-4o-mini", messages=ASK, extra_body={"models": ["gpt-4o"]})
    assert "models" not in _sent(openrouter).body


def test_deepseek_reasoner_takes_tools(openai_client, upstream):
    upstream.script(
        "deepseek-r1",
        Reply(tool_calls=[{"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}]),
    )
    answer = openai_client.chat.completions.create(model="deepseek-r1", messages=ASK, tools=[WEATHER])
    assert answer.choices[0].message.tool_calls[0].function.name == "weather"
    assert _sent(upstream).body["tools"] == [WEATHER]


def test_groq_stream_usage_read_from_x_groq(openai_client, settings, upstream):
    """Groq reports a stream's usage only in its last chunk's x_groq: read, not estimated."""
    configure_provider(settings, "groq", key="fake-groq-key", base_url=upstream.url + "/v1")
    model = CatalogModel.objects.get(name="gpt-4o-mini")
    Deployment.objects.create(model=model, provider="groq", upstream_model="llama-3.3-70b-versatile", priority=1)
    catalog.invalidate()
    frames = shapes.sse(shapes.groq_stream(["Fast", " answer."], 48, 5))
    upstream.script("llama-3.3-70b-versatile", Recorded(frames=frames))
    stream = openai_client.chat.completions.create(model="gpt-4o-mini", messages=ASK, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "Fast answer."
    record = UsageRecord.objects.get()
    assert (record.provider, record.prompt_tokens, record.completion_tokens) == ("groq", 48, 5)
    assert not record.tokens_estimated
    catalog.invalidate()
