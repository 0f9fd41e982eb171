"""The /v1 views read headers from META by any spelling of their names, as request.headers would answer."""

from __future__ import annotations

from django.http import HttpRequest
from django.test import RequestFactory

from llmhub.api.request_headers import headers_of


def _request() -> HttpRequest:
    return RequestFactory().post(
        "/v1/messages",
        data=b"{}",
        content_type="application/json",
        headers={"Authorization": "Bearer k", "anthropic-beta": "a,b", "User-Agent": "claude-cli/2.1"},
    )


def test_every_spelling_of_a_name_reads_the_same_header() -> None:
    headers = headers_of(_request())
    assert headers["anthropic-beta"] == headers["Anthropic-Beta"] == headers.get("ANTHROPIC_BETA") == "a,b"
    assert headers.get("user-agent") == "claude-cli/2.1"
    assert headers["Content-Type"] == "application/json"  # CONTENT_TYPE has no HTTP_ prefix in META
    assert "authorization" in headers and "x-api-key" not in headers


def test_a_missing_header_is_its_default_or_a_key_error() -> None:
    headers = headers_of(_request())
    assert headers.get("x-llmhub-cache") is None
    assert headers.get("x-llmhub-cache", "") == ""
    try:
        headers["x-llmhub-cache"]
    except KeyError:
        pass
    else:
        raise AssertionError("a missing header must raise KeyError")


def test_it_lists_the_same_headers_as_django() -> None:
    request = _request()
    assert dict(headers_of(request)) == dict(request.headers)
    assert len(headers_of(request)) == len(request.headers)
