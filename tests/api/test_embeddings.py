"""POST /v1/embeddings with the official openai package: OpenAI-compatible and Gemini upstreams, billing."""

from __future__ import annotations

from decimal import Decimal

import openai
import pytest

from billing.models import UsageRecord
from tests.fake_upstream import Fail, fake_vector

pytestmark = pytest.mark.django_db(transaction=True)


def test_list_input_gets_one_vector_each_with_cost_and_credits(openai_client, upstream, acme):
    texts = ["the cat sat", "on the mat today"]
    result = openai_client.embeddings.create(model="text-embedding-3-small", input=texts)
    assert [row.index for row in result.data] == [0, 1]
    # The SDK asks for base64 and decodes it: the float32 round trip keeps 4 decimals.
    assert [round(x, 4) for x in result.data[1].embedding] == fake_vector("on the mat today")
    usage = result.usage.model_dump()
    assert usage["prompt_tokens"] == 7
    assert Decimal(str(usage["cost"])) == Decimal("0.00000014")  # 7 × $0.02/M
    acme.refresh_from_db()
    assert Decimal(str(usage["credits_remaining"])) == acme.balance
    record = UsageRecord.objects.get()
    assert (record.model_served, record.prompt_tokens, record.status) == ("text-embedding-3-small", 7, "ok")


def test_float_encoding_and_dimensions_are_forwarded(openai_client, upstream):
    result = openai_client.embeddings.create(
        model="text-embedding-3-large", input="hello", dimensions=3, encoding_format="float"
    )
    assert result.data[0].embedding == fake_vector("hello", 3)
    sent = upstream.requests_for("/embeddings")[-1].body
    assert (sent["dimensions"], sent["input"]) == (3, ["hello"])


def test_gemini_embedding_model_goes_to_batch_embed_contents(openai_client, direct):
    from llmhub import catalog
    from llmhub.models import Deployment

    Deployment.objects.filter(provider="aisa", model__name="gemini-embedding-001").update(enabled=False)
    catalog.invalidate()
    result = openai_client.embeddings.create(
        model="gemini-embedding-001", input=["a", "b"], dimensions=4, encoding_format="float"
    )
    assert [row.embedding for row in result.data] == [fake_vector("a", 4), fake_vector("b", 4)]
    sent = direct.requests_for(":batchEmbedContents")[-1].body
    assert sent["requests"][0]["outputDimensionality"] == 4
    assert result.usage.prompt_tokens >= 2  # Gemini reports no count: estimated


def test_chat_model_is_refused_for_embeddings(openai_client, upstream):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.embeddings.create(model="gpt-4.1", input="x")
    assert caught.value.code == "model_not_embedding"
    assert upstream.requests_for("/embeddings") == []


def test_upstream_failure_settles_at_zero(openai_client, upstream, acme):
    upstream.script("text-embedding-3-small", Fail(400, "bad input"))
    with pytest.raises(openai.BadRequestError):
        openai_client.embeddings.create(model="text-embedding-3-small", input="x")
    record = UsageRecord.objects.get()
    assert (record.status, record.charge.amount) == ("error", Decimal("0"))
    acme.refresh_from_db()
    assert acme.balance == Decimal("100")


def test_charlies_embeddings_are_charged_to_his_team_not_acme(hub_url, upstream, alice, charlie, acme, globex):
    client = openai.OpenAI(api_key=charlie.key, base_url=hub_url, max_retries=0)
    client.embeddings.create(model="text-embedding-3-large", input="one two three four")
    acme.refresh_from_db()
    globex.refresh_from_db()
    assert acme.balance == Decimal("100")
    assert globex.balance == Decimal("50") - Decimal("0.00000052")  # 4 × $0.13/M
