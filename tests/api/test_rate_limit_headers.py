"""OpenAI's x-ratelimit-* headers on /v1 answers for keys with limits, in-process and in Redis."""

from __future__ import annotations

import openai
import pytest

from billing.keys import forget_cached_keys
from billing.models import HubKey

pytestmark = pytest.mark.django_db(transaction=True)


def test_limited_key_sees_its_limits_and_what_is_left(limiter, openai_client, upstream, alice):
    HubKey.objects.filter(user=alice.user).update(rpm_limit=10, tpm_limit=100_000)
    forget_cached_keys()
    raw = openai_client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], max_tokens=5
    )
    assert raw.headers["x-ratelimit-limit-requests"] == "10"
    assert int(raw.headers["x-ratelimit-remaining-requests"]) == 9
    assert raw.headers["x-ratelimit-limit-tokens"] == "100000"
    assert 99_000 < int(raw.headers["x-ratelimit-remaining-tokens"]) <= 100_000  # refills at 1,667 a second


def test_refused_request_carries_the_headers_too(limiter, openai_client, upstream, alice):
    HubKey.objects.filter(user=alice.user).update(rpm_limit=1)
    forget_cached_keys()
    openai_client.models.list()  # GETs are not limited, but show the headers
    openai_client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.RateLimitError) as caught:
        openai_client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    assert caught.value.response.headers["x-ratelimit-remaining-requests"] == "0"
    assert "x-ratelimit-limit-tokens" not in caught.value.response.headers


def test_unlimited_key_gets_no_rate_limit_headers(limiter, openai_client, upstream, bob):
    raw = openai_client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    )
    assert "x-ratelimit-limit-requests" not in raw.headers
