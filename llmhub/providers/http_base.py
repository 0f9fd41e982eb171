"""The shared request path for HTTP adapters: JSON calls, SSE streams and upstream error mapping."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
from django.conf import settings

from llmhub.errors import (
    HubError,
    InvalidRequest,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from llmhub.infra.http_client import send
from llmhub.providers.base import ProviderConfig

MAX_ERROR_TEXT = 300


def _upstream_message(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        return text.strip()[:MAX_ERROR_TEXT] or "(empty body)"
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])[:MAX_ERROR_TEXT]
    if isinstance(error, str):
        return error[:MAX_ERROR_TEXT]
    return text.strip()[:MAX_ERROR_TEXT]


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def error_for_status(provider: ProviderConfig, status: int, body: bytes, headers: httpx.Headers) -> HubError:
    """Translate an upstream HTTP failure into the hub's error, naming the provider."""
    detail = _upstream_message(body)
    where = f"Upstream {provider.name} returned {status}: {detail}"
    if status in (400, 413, 422):
        return InvalidRequest(f"The upstream rejected the request: {detail}", code="upstream_invalid_request")
    if status in (401, 403):
        return UpstreamError(where, code="upstream_auth_failed", retryable=False)
    if status == 404:
        return UpstreamError(where, code="upstream_model_not_found", retryable=False)
    if status == 429:
        return UpstreamRateLimited(where, retry_after=_retry_after(headers))
    if status in (503, 529):  # 529: Anthropic's "overloaded"
        return UpstreamUnavailable(where, retry_after=_retry_after(headers))
    if status == 504:
        return UpstreamTimeout(where)
    return UpstreamError(where, retryable=status >= 500 or status in (408, 409, 425))


def error_for_exception(provider: ProviderConfig, exc: Exception) -> UpstreamError:
    if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout, TimeoutError)):
        return UpstreamTimeout(f"Upstream {provider.name} timed out.")
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        return UpstreamUnavailable(f"Upstream {provider.name} could not be reached or dropped the connection.")
    return UpstreamError(f"Upstream {provider.name} failed: {type(exc).__name__}.")


def _json_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


async def post_json(
    provider: ProviderConfig, url: str, headers: dict[str, str], payload: dict[str, Any]
) -> dict[str, Any]:
    """POST JSON and return the decoded JSON object, or raise the mapped hub error."""
    try:
        async with asyncio.timeout(settings.UPSTREAM_TOTAL_TIMEOUT):
            response = await send("POST", url, headers=headers, content=_json_body(payload))
            try:
                body = await response.aread()
            finally:
                await response.aclose()
    except (httpx.HTTPError, TimeoutError) as exc:
        raise error_for_exception(provider, exc) from exc
    if response.status_code != 200:
        raise error_for_status(provider, response.status_code, body, response.headers)
    try:
        parsed = json.loads(body)
    except ValueError as exc:
        raise UpstreamError(f"Upstream {provider.name} returned a body that is not JSON.") from exc
    if not isinstance(parsed, dict):
        raise UpstreamError(f"Upstream {provider.name} returned JSON that is not an object.")
    return parsed


async def stream_sse(
    provider: ProviderConfig, url: str, headers: dict[str, str], payload: dict[str, Any]
) -> AsyncIterator[tuple[str, str]]:
    """POST and yield (event, data) pairs of the SSE reply as they arrive; comments are skipped."""
    deadline = time.monotonic() + settings.UPSTREAM_TOTAL_TIMEOUT
    try:
        response = await send("POST", url, headers=headers, content=_json_body(payload))
        try:
            if response.status_code != 200:
                body = await response.aread()
                raise error_for_status(provider, response.status_code, body, response.headers)
            event, data_lines = "", list[str]()
            async for line in response.aiter_lines():
                if time.monotonic() > deadline:
                    raise UpstreamTimeout(f"Upstream {provider.name} stream exceeded the total time limit.")
                if not line:
                    if data_lines:
                        yield event or "message", "\n".join(data_lines)
                    event, data_lines = "", []
                elif line.startswith(":"):
                    continue
                elif line.startswith("data:"):
                    data_lines.append(line[5:].lstrip(" "))
                elif line.startswith("event:"):
                    event = line[6:].strip()
            if data_lines:
                yield event or "message", "\n".join(data_lines)
        finally:
            await response.aclose()
    except httpx.HTTPError as exc:
        raise error_for_exception(provider, exc) from exc


def parse_json_event(provider: ProviderConfig, data: str) -> dict[str, Any]:
    try:
        parsed = json.loads(data)
    except ValueError as exc:
        raise UpstreamError(f"Upstream {provider.name} sent a malformed stream event.") from exc
    if not isinstance(parsed, dict):
        raise UpstreamError(f"Upstream {provider.name} sent a stream event that is not an object.")
    return parsed


@contextlib.contextmanager
def reading(provider: ProviderConfig) -> Iterator[None]:
    """Translating an upstream's JSON: a body of an unexpected shape is that upstream's failure, not a crash."""
    try:
        yield
    except (AttributeError, TypeError, KeyError, ValueError) as exc:
        raise UpstreamError(f"Upstream {provider.name} sent a response of an unexpected shape.") from exc
