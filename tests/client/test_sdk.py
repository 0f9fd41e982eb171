"""The seed's Python SDK (LLMRouterClient), imported from scripts/ and used against the live hub."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest

from billing.models import Team, UsageRecord
from tests.client.conftest import PNG
from tests.fake_upstream import Drop, Fail, Reply

pytestmark = pytest.mark.django_db(transaction=True)


def test_chat_as_in_the_seed(sdk, upstream):
    response = sdk.chat(model="gpt-4.1", messages=[{"role": "user", "content": "Hello!"}])
    assert response["choices"][0]["message"]["content"] == "Hello from fake gpt-4.1."
    assert isinstance(response["usage"]["cost"], Decimal)  # money is never a float
    assert sdk.last_headers["x-request-id"] == UsageRecord.objects.get().request_id


def test_chat_with_options(sdk, upstream):
    sdk.chat(
        model="claude-3-sonnet",
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Explain relativity."},
        ],
        temperature=0.7,
        max_tokens=500,
    )
    sent = upstream.requests_for("/chat/completions")[-1].body
    assert (sent["temperature"], sent["max_tokens"], len(sent["messages"])) == (0.7, 500, 2)


def test_chat_stream_yields_text_pieces(sdk, upstream):
    upstream.script("gpt-4o", Reply(text="Once upon a time", chunks=["Once", " upon", " a", " time"], prompt_tokens=3))
    pieces = list(sdk.chat_stream(model="gpt-4o", messages=[{"role": "user", "content": "Write a story."}]))
    assert pieces == ["Once", " upon", " a", " time"]
    record = UsageRecord.objects.get()
    assert sdk.last_usage["cost"] == record.cost and record.stream


def test_chat_stream_raises_on_a_mid_stream_failure(sdk, upstream):
    from llm_router_client import LLMRouterError

    upstream.script("gpt-4o", Drop(after_chunks=2))
    with pytest.raises(LLMRouterError) as caught:
        list(sdk.chat_stream(model="gpt-4o", messages=[{"role": "user", "content": "x"}]))
    assert caught.value.exit_code == 7 and caught.value.code


def test_vision_with_url_and_with_local_file(sdk, upstream, png_file):
    response = sdk.vision(model="gpt-4o", image_url="https://example.com/image.jpg", prompt="What's in this image?")
    assert response["choices"][0]["message"]["content"] == "Hello from fake gpt-4o."
    sdk.vision(model="gpt-4o", image_url=str(png_file), prompt="And this?")
    sent = [r.body["messages"][0]["content"][1]["image_url"]["url"] for r in upstream.requests_for("/completions")]
    assert sent == ["https://example.com/image.jpg", "data:image/png;base64," + base64.b64encode(PNG).decode()]


def test_compare_models_as_in_the_seed(sdk, upstream):
    upstream.script("gpt-4.1", Reply(text="Revenue grew.", prompt_tokens=20, completion_tokens=3))
    results = sdk.compare_models(models=["gpt-4.1", "claude-3-opus"], message="Analyze this quarterly report...")
    assert list(results) == ["gpt-4.1", "claude-3-opus"]
    for model, result in results.items():
        assert set(result) == {"response", "latency", "cost", "usage"}, model
        assert result["response"][:100] and result["latency"] > 0
    assert results["gpt-4.1"]["cost"] == Decimal("0.000064")  # 20 × $2/M + 3 × $8/M
    assert results["gpt-4.1"]["usage"]["completion_tokens"] == 3
    assert UsageRecord.objects.count() == 2


def test_compare_models_marks_a_failed_model(sdk, upstream):
    upstream.script("claude-3-opus", Fail(503), Fail(503))
    results = sdk.compare_models(models=["gpt-4.1", "claude-3-opus"], message="Hi")
    assert "error" not in results["gpt-4.1"]
    assert results["claude-3-opus"]["error"]["code"] == "upstream_unavailable"
    assert results["claude-3-opus"]["response"] == "" and results["claude-3-opus"]["cost"] == 0


def test_compare_models_without_a_compare_endpoint_fans_out_from_the_client(upstream):
    """Against a plain OpenAI-compatible server (here the fake upstream itself), the SDK compares locally."""
    from llm_router_client import LLMRouterClient

    client = LLMRouterClient(api_key="k", base_url=upstream.url + "/v1")
    results = client.compare_models(models=["gpt-4.1", "gemini-2.0-flash"], message="What is 2+2?")
    assert results["gemini-2.0-flash"]["response"] == "Hello from fake gemini-2.0-flash."
    assert len(upstream.requests_for("/chat/completions")) == 2


def test_models_and_usage(sdk, upstream):
    names = {m["id"] for m in sdk.models()}
    assert {"gpt-4.1", "qwen-max", "deepseek-coder"} <= names
    sdk.chat(model="gpt-4.1", messages=[{"role": "user", "content": "x"}])
    report = sdk.usage()
    assert report["totals"]["requests"] == 1
    assert report["totals"]["cost"] == UsageRecord.objects.get().cost
    assert [row["model"] for row in report["by_model"]] == ["gpt-4.1"]


@pytest.mark.parametrize(
    "setup,status,code,exit_code",
    [
        ("bad_key", 401, "invalid_api_key", 3),
        ("broke", 402, "insufficient_credits", 4),
        ("unknown_model", 404, "model_not_found", 5),
        ("rate_limited", 429, "rate_limit_exceeded", 6),
        ("upstream_down", 502, "upstream_error", 7),
    ],
)
def test_errors_are_typed(sdk, upstream, acme, setup, status, code, exit_code):
    from llm_router_client import LLMRouterError

    model = "gpt-4.1"
    if setup == "bad_key":
        sdk.api_key = "sk-hub-wrong"
    elif setup == "broke":
        Team.objects.filter(pk=acme.pk).update(balance=Decimal("0"))
    elif setup == "unknown_model":
        model = "xyz"
    elif setup == "rate_limited":
        upstream.script(model, Fail(429, "slow down", {"Retry-After": "30"}))
    else:
        upstream.script(model, Fail(500), Fail(500))
    with pytest.raises(LLMRouterError) as caught:
        sdk.chat(model=model, messages=[{"role": "user", "content": "x"}])
    assert (caught.value.status, caught.value.code, caught.value.exit_code) == (status, code, exit_code)
    assert caught.value.message


def test_key_and_url_resolution(monkeypatch):
    from llm_router_client import AISA_BASE_URL, LLMRouterClient

    for name in ("LLMHUB_API_KEY", "LLMHUB_BASE_URL", "AISA_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AISA_API_KEY", "aisa-key")
    seed_client = LLMRouterClient()  # the seed's original setup: AIsa's key and URL
    assert (seed_client.api_key, seed_client.base_url) == ("aisa-key", AISA_BASE_URL)
    monkeypatch.setenv("LLMHUB_API_KEY", "hub-key")
    monkeypatch.setenv("LLMHUB_BASE_URL", "http://hub.example/v1/")
    hub_client = LLMRouterClient()
    assert (hub_client.api_key, hub_client.base_url) == ("hub-key", "http://hub.example/v1")
    explicit = LLMRouterClient(api_key="k", base_url="http://other/v1")
    assert (explicit.api_key, explicit.base_url) == ("k", "http://other/v1")
