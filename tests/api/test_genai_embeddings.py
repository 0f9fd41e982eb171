"""Gemini's :embedContent and :batchEmbedContents (google-genai's embed_content, LangChain) against the live hub:
held and settled like chat, served by a Gemini or an OpenAI-compatible upstream, errors in Gemini's shape."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from google import genai
from google.genai import errors, types

from billing.models import UsageRecord
from tests.fake_upstream import fake_vector

pytestmark = pytest.mark.django_db(transaction=True)


def _client(hub_root: str, key: str) -> genai.Client:
    options = types.HttpOptions(
        base_url=hub_root, api_version="v1beta", timeout=20_000, retry_options=types.HttpRetryOptions(attempts=1)
    )
    return genai.Client(api_key=key, http_options=options)


@pytest.fixture
def gemini_embeddings(direct):
    """gemini-embedding-001 served by the Gemini provider (the fake's :batchEmbedContents)."""
    from llmhub import catalog
    from llmhub.models import Deployment

    Deployment.objects.filter(provider="aisa", model__name="gemini-embedding-001").update(enabled=False)
    catalog.invalidate()
    return direct


def test_sdk_embed_content_is_served_and_charged(hub_root, alice, acme, gemini_embeddings):
    client = _client(hub_root, alice.key)
    result = client.models.embed_content(
        model="gemini-embedding-001",
        contents=["the cat sat", "on the mat"],
        config=types.EmbedContentConfig(output_dimensionality=4, task_type="RETRIEVAL_DOCUMENT", title="Cats"),
    )
    assert [e.values for e in result.embeddings or []] == [fake_vector("the cat sat", 4), fake_vector("on the mat", 4)]
    sent = gemini_embeddings.requests_for("/gemini-embedding-001:batchEmbedContents")[-1]
    assert [r["content"] for r in sent.body["requests"]] == [
        {"parts": [{"text": "the cat sat"}]},
        {"parts": [{"text": "on the mat"}]},
    ]
    first = sent.body["requests"][0]
    assert (first["outputDimensionality"], first["taskType"], first["title"]) == (4, "RETRIEVAL_DOCUMENT", "Cats")
    assert sent.headers["x-goog-api-key"] == "fake-gemini-key"
    record = UsageRecord.objects.get()
    assert (record.status, record.model_served) == ("ok", "gemini-embedding-001")
    # Gemini reports no count: the hub's estimate (a token per 4 bytes), at $0.15 per M.
    assert record.prompt_tokens == 4
    assert record.cost == Decimal("0.0000006")
    assert Decimal(result.sdk_http_response.headers["x-llmhub-cost"]) == record.cost
    acme.refresh_from_db()
    assert acme.balance == Decimal("100") - record.cost


def test_embed_content_one_vector_with_usage(hub_url, alice, gemini_embeddings):
    body = {"content": {"parts": [{"text": "hello"}, {"text": "world"}]}, "output_dimensionality": 3}
    answer = httpx.post(f"{hub_url}beta/models/gemini-embedding-001:embedContent", json=body, params={"key": alice.key})
    assert answer.status_code == 200, answer.text
    assert answer.json()["embedding"] == {"values": fake_vector("hello\nworld", 3)}
    usage = answer.json()["usageMetadata"]
    assert usage["promptTokenCount"] == usage["totalTokenCount"] == UsageRecord.objects.get().prompt_tokens
    assert Decimal(str(usage["cost"])) == UsageRecord.objects.get().cost


def test_openai_embedding_model_through_batch_embed_contents(hub_url, alice, upstream):
    """The same endpoint for a model an OpenAI-compatible upstream serves: the vectors come from /embeddings."""
    body = {"requests": [{"model": "models/text-embedding-3-small", "content": {"parts": [{"text": "hi"}]}}]}
    answer = httpx.post(
        f"{hub_url}/models/text-embedding-3-small:batchEmbedContents",
        json=body,
        headers={"x-goog-api-key": alice.key},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["embeddings"] == [{"values": fake_vector("hi")}]
    assert upstream.requests_for("/embeddings")[-1].body["input"] == ["hi"]
    assert UsageRecord.objects.get().status == "ok"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "'content' must be an object with a non-empty 'parts' array."),
        ({"content": {"parts": [{"inlineData": {"mimeType": "image/png", "data": "AA=="}}]}}, "the hub embeds text"),
        ({"content": {"parts": [{"text": "x"}]}, "outputDimensionality": 0}, "must be a positive integer"),
        ({"content": {"parts": [{"text": "x"}]}, "model": "models/other"}, "they must match"),
    ],
)
def test_bad_input_is_a_gemini_400(hub_url, alice, gemini_embeddings, body, message):
    answer = httpx.post(f"{hub_url}beta/models/gemini-embedding-001:embedContent", json=body, params={"key": alice.key})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert set(error) == {"code", "message", "status"}
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert message in error["message"]
    assert gemini_embeddings.received == []
    assert not UsageRecord.objects.exists()


def test_batch_must_share_its_options(hub_url, alice, gemini_embeddings):
    one = {"content": {"parts": [{"text": "x"}]}}
    body = {"requests": [{**one, "taskType": "RETRIEVAL_QUERY"}, {**one, "taskType": "CLUSTERING"}]}
    answer = httpx.post(
        f"{hub_url}/models/gemini-embedding-001:batchEmbedContents", json=body, params={"key": alice.key}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "'requests[1].taskType' must be the same in every request of a batch."


def test_chat_model_and_unknown_model_are_refused_by_the_sdk(hub_root, alice, gemini_embeddings):
    client = _client(hub_root, alice.key)
    with pytest.raises(errors.ClientError) as caught:
        client.models.embed_content(model="gemini-2.0-flash", contents="x")
    assert (caught.value.code, caught.value.status) == (400, "INVALID_ARGUMENT")
    with pytest.raises(errors.ClientError) as caught:
        client.models.embed_content(model="gemini-9-embed", contents="x")
    assert (caught.value.code, caught.value.status) == (404, "NOT_FOUND")
    assert gemini_embeddings.received == []


def test_charlie_with_a_wrong_key_gets_a_gemini_401(hub_url, charlie, gemini_embeddings):
    body = {"content": {"parts": [{"text": "x"}]}}
    for version in ("v1", "v1beta"):
        url = f"{hub_url.removesuffix('/v1')}/{version}/models/gemini-embedding-001:embedContent"
        answer = httpx.post(url, json=body, params={"key": f"not-{charlie.key}"})
        assert answer.status_code == 401
        assert answer.json()["error"]["status"] == "UNAUTHENTICATED"
    assert gemini_embeddings.received == []


def test_a_model_id_with_a_colon_keeps_openais_error_shape(hub_url, charlie, upstream):
    answer = httpx.get(f"{hub_url}/models/llama3:8b", headers={"Authorization": f"Bearer not-{charlie.key}"})
    assert answer.status_code == 401
    assert set(answer.json()["error"]) >= {"message", "type", "code"}
