"""Per-key rate limits over HTTP: requests/minute and tokens/minute, in-process and (when REDIS_URL is
set) shared through Redis, refused with 429, `rate_limit_exceeded` and a Retry-After that is right."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from billing import rate_limits
from billing.keys import forget_cached_keys
from billing.models import HubKey, UsageRecord
from tests.fake_upstream import Reply, Stall

pytestmark = pytest.mark.django_db(transaction=True)


def limit(person, *, rpm=None, tpm=None) -> None:
    HubKey.objects.filter(user=person.user).update(rpm_limit=rpm, tpm_limit=tpm)
    forget_cached_keys()


def chat(hub_url: str, key: str) -> httpx.Response:
    return httpx.post(
        f"{hub_url}/chat/completions",
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 50},
        headers={"Authorization": f"Bearer {key}"},
        timeout=20,
    )


def test_requests_per_minute_refused_with_retry_after(hub_url, upstream, alice, limiter):
    limit(alice, rpm=2)
    assert [chat(hub_url, alice.key).status_code for _ in range(2)] == [200, 200]
    refused = chat(hub_url, alice.key)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert (error["code"], error["type"]) == ("rate_limit_exceeded", "rate_limit_error")
    assert "2 requests per minute" in error["message"]
    # Two per minute: the next request is allowed one 30-second refill after the last was taken.
    assert 25 <= int(refused.headers["Retry-After"]) <= 30
    if limiter == "redis":  # the bucket really is in Redis, where every worker sees it
        key_id = HubKey.objects.get(user=alice.user).pk
        assert rate_limits._store().client.exists(f"llmhub:rl:{key_id}:rpm")
    assert UsageRecord.objects.count() == 2  # a refusal reaches no upstream and charges nothing
    assert len(upstream.requests_for("/chat/completions")) == 2


def test_other_keys_are_not_limited(hub_url, upstream, alice, bob, limiter):
    limit(alice, rpm=1)
    assert chat(hub_url, alice.key).status_code == 200
    assert chat(hub_url, alice.key).status_code == 429
    assert chat(hub_url, bob.key).status_code == 200


def test_tokens_per_minute_counts_actual_tokens_after_settle(hub_url, upstream, alice, limiter):
    limit(alice, tpm=100)
    # Admitted at its worst case (a few prompt tokens + max_tokens 50), then corrected to the 150 it really used.
    upstream.script("gpt-4o-mini", Reply(text="long answer", prompt_tokens=100, completion_tokens=50))
    assert chat(hub_url, alice.key).status_code == 200
    refused = chat(hub_url, alice.key)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "rate_limit_exceeded" and "100 tokens per minute" in error["message"]
    # 50 tokens in debt plus this request's worst case (about 58), refilled at 100 a minute: about 65 s.
    assert 60 <= int(refused.headers["Retry-After"]) <= 70


def test_a_burst_cannot_spend_more_tokens_than_the_bucket_holds(hub_url, upstream, alice, limiter):
    limit(alice, tpm=2000)
    upstream.script("gpt-4o-mini", *[Stall(0.5, then=Reply(text="x", completion_tokens=1000))] * 20)
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1000}

    def one(_: int) -> int:
        headers = {"Authorization": f"Bearer {alice.key}"}
        return httpx.post(f"{hub_url}/chat/completions", json=body, headers=headers, timeout=20).status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(one, range(20)))
    # Each request reserves ~1,008 tokens (prompt + max_tokens): only one fits in 2,000 at a time.
    assert statuses.count(200) <= 2
    assert statuses.count(429) >= 18
    used = sum(r.prompt_tokens + r.completion_tokens for r in UsageRecord.objects.filter(status="ok"))
    assert used <= 2 * 1011


def test_team_default_applies_to_keys_without_their_own(hub_url, upstream, alice, acme, limiter):
    acme.default_rpm_limit = 1
    acme.save(update_fields=["default_rpm_limit"])
    forget_cached_keys()
    assert chat(hub_url, alice.key).status_code == 200
    assert chat(hub_url, alice.key).status_code == 429
    limit(alice, rpm=5)  # the key's own limit wins over the team's default
    rate_limits.reset()
    assert [chat(hub_url, alice.key).status_code for _ in range(3)] == [200, 200, 200]


def test_unlimited_key_is_never_refused(hub_url, upstream, alice, limiter):
    assert all(chat(hub_url, alice.key).status_code == 200 for _ in range(5))


def test_redis_buckets_are_shared_across_workers(settings):
    """Two limiters with their own connections (as two worker processes would have) share one budget."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set")
    worker_a = rate_limits.RedisBuckets(os.environ["REDIS_URL"])
    worker_b = rate_limits.RedisBuckets(os.environ["REDIS_URL"])
    worker_a.clear()
    assert worker_a.admit(424242, 2, 0, 0) is None
    assert worker_b.admit(424242, 2, 0, 0) is None
    refused = worker_a.admit(424242, 2, 0, 0)
    assert refused is not None
    wait, which = refused
    assert which == "rpm" and 29 < wait <= 30
    worker_a.clear()


def test_local_bucket_refills_over_time(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    buckets = rate_limits.LocalBuckets()
    assert buckets.admit(1, 60, 0, 0) is None
    for _ in range(59):
        buckets.admit(1, 60, 0, 0)
    refused = buckets.admit(1, 60, 0, 0)
    assert refused is not None
    wait, which = refused
    assert which == "rpm" and wait == pytest.approx(1.0)
    clock[0] += 1.0
    assert buckets.admit(1, 60, 0, 0) is None


def test_limits_come_from_the_key_cache_without_a_query(alice, django_assert_num_queries):
    from billing.keys import authenticate_key, rate_limits_for_key

    limit(alice, rpm=7, tpm=700)
    identity = authenticate_key(alice.key)  # what the API decorator does for every request
    assert identity.key_id is not None
    with django_assert_num_queries(0):
        assert rate_limits_for_key(identity.key_id) == (7, 700)
        rate_limits.admit(key_id=identity.key_id, request_id="r1", tokens=10, rpm=7, tpm=700)
