"""Fallback through the model chain: on 5xx, timeouts and dropped connections, before the first byte."""

from __future__ import annotations

import openai
import pytest

from billing.models import CreditLedgerEntry, UsageRecord
from tests.fake_upstream import Fail, Stall

pytestmark = pytest.mark.django_db(transaction=True)


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
