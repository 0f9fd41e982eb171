"""The /v1 app sends the pages' security headers (it skips Django's middleware stack, not its headers)."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.django_db(transaction=True)

SECURITY_HEADERS = ("x-content-type-options", "referrer-policy", "cross-origin-opener-policy", "x-frame-options")


async def _get(path: str, **headers: str) -> httpx.Response:
    from llmhub.asgi import application

    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        return await client.get(path, headers=headers)


def _security(response: httpx.Response) -> dict[str, str]:
    return {
        name: value
        for name, value in response.headers.items()
        if name in (*SECURITY_HEADERS, "strict-transport-security")
    }


async def test_api_answers_carry_the_same_security_headers_as_pages(alice, settings):
    settings.SECURE_SSL_REDIRECT = False
    page = await _get("/accounts/login/")
    api = await _get("/v1/models", authorization=f"Bearer {alice.key}")
    assert page.status_code == 200 and api.status_code == 200
    assert set(SECURITY_HEADERS) <= set(_security(page))
    assert _security(api) == _security(page)


async def test_api_errors_before_a_view_carry_them_too(settings):
    settings.SECURE_SSL_REDIRECT = False
    missing = await _get("/v1/no-such-endpoint")
    assert missing.status_code == 404
    assert set(SECURITY_HEADERS) <= set(_security(missing))


async def test_hsts_on_the_api_when_https_only(alice, settings):
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = False
    api = await _get("/v1/models", authorization=f"Bearer {alice.key}")
    # What SecurityMiddleware sends on the pages with these settings (the pages' own middleware chain was
    # built when the test server started, so it keeps the settings it was built with).
    assert api.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


async def test_no_hsts_when_not_https_only(alice, settings):
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0
    api = await _get("/v1/models", authorization=f"Bearer {alice.key}")
    assert "strict-transport-security" not in api.headers
