"""Bad input gets a clear error in the OpenAI shape and costs nothing."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from django.utils import timezone

from billing.keys import revoke_key
from billing.models import HubKey, UsageRecord
from tests.fake_upstream import Garbage

pytestmark = pytest.mark.django_db(transaction=True)


def _post(hub_url, key, content, headers=None):
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json", **(headers or {})}
    return httpx.post(f"{hub_url}/chat/completions", content=content, headers=headers, timeout=10)


def _error(response):
    body = response.json()
    assert set(body["error"]) >= {"code", "message", "type"}
    return body["error"]


def test_malformed_json(hub_url, upstream, alice):
    response = _post(hub_url, alice.key, b'{"model": "gpt-4.1", "messages": [')
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_json"


@pytest.mark.parametrize(
    "body,param",
    [
        ("[1, 2]", None),
        ('{"messages": [{"role": "user", "content": "x"}]}', "model"),
        ('{"model": 5, "messages": [{"role": "user", "content": "x"}]}', "model"),
        ('{"model": "gpt-4.1", "messages": "hi"}', "messages"),
        ('{"model": "gpt-4.1", "messages": []}', "messages"),
        ('{"model": "gpt-4.1", "messages": [{"role": "wizard", "content": "x"}]}', "messages[0].role"),
        ('{"model": "gpt-4.1", "messages": [{"role": "user", "content": 5}]}', "messages[0].content"),
        ('{"model": "gpt-4.1", "messages": [{"role": "user", "content": "x"}], "max_tokens": "10"}', "max_tokens"),
        ('{"model": "gpt-4.1", "messages": [{"role": "user", "content": "x"}], "max_tokens": -1}', "max_tokens"),
        ('{"model": "gpt-4.1", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}', "stream"),
        ('{"model": "gpt-4.1", "messages": [{"role": {"a": 1}, "content": "x"}]}', "messages[0].role"),
        ('{"model": "gpt-4.1", "messages": [{"role": ["user"], "content": "x"}]}', "messages[0].role"),
        (
            '{"model": "gpt-4.1", "messages": [{"role": "user", "content": "x"}], "max_tokens": 1000000000000000000000000000000}',
            "max_tokens",
        ),
        ('{"model": "gpt-4.1", "messages": [{"role": "user", "content": "x"}], "n": 100000000000000000000}', "n"),
        ('{"model": "gpt-4.1\\ud800", "messages": [{"role": "user", "content": "x"}]}', "model"),
        ('{"model": "gpt-4.1", "messages": [{"role": "user", "content": "x\\udfff"}]}', "messages[0].content"),
        ('{"model": "gpt-4.1", "messages": [{"role": "user", "content": "x"}], "top_p": true}', "top_p"),
        (
            '{"model": "gpt-4.1", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "file:///etc/passwd"}}]}]}',
            "messages[0].content[0].image_url",
        ),
    ],
)
def test_wrong_types_name_the_field(hub_url, upstream, alice, body, param):
    response = _post(hub_url, alice.key, body.encode())
    assert response.status_code == 400
    error = _error(response)
    assert error.get("param") == param
    assert error["type"] == "invalid_request_error"
    assert upstream.received == []


def test_huge_body_is_refused(hub_url, upstream, alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    big = '{"model": "gpt-4.1", "messages": [{"role": "user", "content": "' + "x" * (2 * 1024 * 1024) + '"}]}'
    response = _post(hub_url, alice.key, big.encode())
    assert response.status_code == 413
    assert _error(response)["code"] == "request_too_large"


def test_context_window_is_checked_before_the_upstream(hub_url, upstream, alice):
    body = '{"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "' + "word " * 30000 + '"}]}'
    response = _post(hub_url, alice.key, body.encode())
    assert response.status_code == 400
    assert _error(response)["code"] == "context_length_exceeded"
    assert upstream.received == []


def test_too_long_for_primary_goes_to_a_fallback_that_fits(hub_url, upstream, alice):
    body = (
        '{"model": "gpt-3.5-turbo", "models": ["gpt-4o-mini"], "messages": [{"role": "user", "content": "'
        + "word " * 30000
        + '"}]}'
    )
    response = _post(hub_url, alice.key, body.encode())
    assert response.status_code == 200
    assert response.json()["model"] == "gpt-4o-mini"


def test_missing_key(hub_url, upstream):
    response = httpx.post(f"{hub_url}/chat/completions", json={"model": "gpt-4.1"}, timeout=10)
    assert response.status_code == 401
    assert _error(response)["code"] == "missing_api_key"


def test_revoked_key(hub_url, upstream, alice):
    revoke_key(HubKey.objects.get(user=alice.user))
    response = _post(hub_url, alice.key, b'{"model": "gpt-4.1", "messages": [{"role": "user", "content": "x"}]}')
    assert response.status_code == 401
    assert _error(response)["code"] == "revoked_api_key"


def test_expired_key(hub_url, upstream, alice):
    HubKey.objects.filter(user=alice.user).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = _post(hub_url, alice.key, b'{"model": "gpt-4.1", "messages": [{"role": "user", "content": "x"}]}')
    assert response.status_code == 401
    assert _error(response)["code"] == "expired_api_key"


def test_wrong_method(hub_url, upstream, alice):
    response = httpx.get(f"{hub_url}/chat/completions", headers={"Authorization": f"Bearer {alice.key}"})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert _error(response)["type"] == "invalid_request_error"


def test_huge_body_is_an_invalid_request_error(hub_url, upstream, alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = _post(hub_url, alice.key, b'{"model": "' + b"x" * 4096 + b'"}')
    assert response.status_code == 413
    assert _error(response)["type"] == "invalid_request_error"


def test_json_nested_3000_deep_is_a_400(hub_url, upstream, alice):
    body = (
        b'{"model": "gpt-4.1", "messages": [{"role": "user", "content": "x"}], "metadata": '
        + b"[" * 3000
        + b"]" * 3000
        + b"}"
    )
    response = _post(hub_url, alice.key, body)
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid_json"
    assert upstream.received == []


def test_a_paired_surrogate_escape_is_valid_text(hub_url, upstream, alice):
    response = _post(
        hub_url, alice.key, b'{"model": "gpt-4.1", "messages": [{"role": "user", "content": "\\ud83d\\ude00"}]}'
    )
    assert response.status_code == 200


def test_upstream_garbage_is_a_502_and_costs_nothing(hub_url, upstream, alice, acme):
    upstream.script("gpt-4.1", Garbage(), Garbage())
    response = _post(hub_url, alice.key, b'{"model": "gpt-4.1", "messages": [{"role": "user", "content": "x"}]}')
    assert response.status_code == 502
    assert "not JSON" in _error(response)["message"]
    record = UsageRecord.objects.get()
    assert record.cost == 0 and record.status == "error"


def test_generation_lookup_for_owner_only(hub_url, upstream, alice, charlie):
    response = _post(hub_url, alice.key, b'{"model": "gpt-4.1", "messages": [{"role": "user", "content": "x"}]}')
    request_id = response.headers["x-request-id"]
    mine = httpx.get(
        f"{hub_url}/generation", params={"id": request_id}, headers={"Authorization": f"Bearer {alice.key}"}
    )
    assert mine.status_code == 200
    data = mine.json()
    assert data["model"] == "gpt-4.1" and data["status"] == "ok" and data["attempts"][0]["provider"] == "aisa"
    assert data["usage"]["total_tokens"] > 0 and data["latency_ms"] >= 0
    theirs = httpx.get(
        f"{hub_url}/generation", params={"id": request_id}, headers={"Authorization": f"Bearer {charlie.key}"}
    )
    assert theirs.status_code == 404


def test_upstream_body_past_the_size_cap_is_a_502_read_no_further(hub_url, upstream, alice, acme, settings):
    settings.UPSTREAM_MAX_BODY_BYTES = 64 * 1024
    huge = b'{"id": "x", "pad": "' + b"a" * (512 * 1024) + b'"}'  # valid JSON, eight times the cap
    upstream.script("gpt-4.1", Garbage(body=huge), Garbage(body=huge))
    response = _post(hub_url, alice.key, b'{"model": "gpt-4.1", "messages": [{"role": "user", "content": "x"}]}')
    assert response.status_code == 502
    assert "larger than 0.0625 MB" in _error(response)["message"]
    record = UsageRecord.objects.get()
    assert record.cost == 0 and record.status == "error"
