"""Errors as the openai package sees them: each status maps to its exception class, the field named."""

from __future__ import annotations

from decimal import Decimal

import openai
import pytest

from billing.models import Team, UsageRecord
from tests.fake_upstream import Fail, Stall

pytestmark = pytest.mark.django_db(transaction=True)


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
