"""The shared request path for HTTP adapters: JSON calls, SSE streams and upstream error mapping."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
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
from llmhub.providers.base import ProviderConfig, StreamChunk
from llmhub.providers.secret_redaction import redact

log = logging.getLogger("llmhub.upstream")
MAX_LOGGED_TEXT = 2000


def log_upstream_text(provider: ProviderConfig, what: str, text: str | bytes) -> None:
    """Log what an upstream said, secrets redacted: its words go to the log, never to a client."""
    if isinstance(text, bytes):
        text = text[: MAX_LOGGED_TEXT * 4].decode("utf-8", "replace")
    log.warning("upstream %s %s: %s", provider.name, what, redact(text[:MAX_LOGGED_TEXT], provider.api_key))


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def error_for_status(provider: ProviderConfig, status: int, body: bytes, headers: httpx.Headers) -> HubError:
    """Translate an upstream HTTP failure into the hub's error, naming the provider and the status.

    The upstream's body is logged (redacted), never relayed: it may echo the request's headers or key.
    """
    log_upstream_text(provider, f"returned {status}", body)
    where = f"Upstream {provider.name} returned {status}."
    if status in (400, 413, 422):
        return InvalidRequest(
            f"Upstream {provider.name} rejected the request ({status}); check its parameters for this model.",
            code="upstream_invalid_request",
        )
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
                body, whole = await _body_up_to(response, settings.UPSTREAM_MAX_BODY_BYTES)
            finally:
                await response.aclose()
    except (httpx.HTTPError, TimeoutError) as exc:
        raise error_for_exception(provider, exc) from exc
    if response.status_code != 200:
        raise error_for_status(provider, response.status_code, body, response.headers)
    if not whole:
        megabytes = settings.UPSTREAM_MAX_BODY_BYTES / (1024 * 1024)
        raise UpstreamError(f"Upstream {provider.name} returned a body larger than {megabytes:g} MB; it was not read.")
    try:
        parsed = json.loads(body)
    except ValueError as exc:
        raise UpstreamError(f"Upstream {provider.name} returned a body that is not JSON.") from exc
    if not isinstance(parsed, dict):
        raise UpstreamError(f"Upstream {provider.name} returned JSON that is not an object.")
    return parsed


async def _lines(response: httpx.Response, provider: ProviderConfig) -> AsyncIterator[bytes]:
    """The body's lines, read as bytes under the idle and total time limits, each at most the line cap.

    Limits are enforced on every read, not every line: an upstream trickling bytes with no newline is cut
    at the total limit, and one sending a line longer than the cap is cut at once (memory stays bounded).
    """
    deadline = time.monotonic() + settings.UPSTREAM_TOTAL_TIMEOUT
    cap = settings.UPSTREAM_MAX_LINE_BYTES
    idle = settings.UPSTREAM_READ_TIMEOUT
    pieces = response.aiter_bytes()
    buffer = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise UpstreamTimeout(f"Upstream {provider.name} stream exceeded the total time limit.")
        try:
            async with asyncio.timeout(min(idle, left)):
                piece = await anext(pieces)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise UpstreamTimeout(f"Upstream {provider.name} stream stalled or exceeded the time limit.") from None
        buffer += piece
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if len(line) > cap:
                break
            yield line[:-1] if line.endswith(b"\r") else line
        else:
            if len(buffer) <= cap:
                continue
        raise UpstreamError(f"Upstream {provider.name} sent a stream line longer than {cap} bytes.")
    if buffer:
        yield buffer


async def stream_sse(
    provider: ProviderConfig, url: str, headers: dict[str, str], payload: dict[str, Any]
) -> AsyncIterator[tuple[str, str]]:
    """POST and yield (event, data) pairs of the SSE reply as they arrive; comments are skipped."""
    try:
        response = await send("POST", url, headers=headers, content=_json_body(payload))
        try:
            if response.status_code != 200:
                body = await _capped_body(response)
                raise error_for_status(provider, response.status_code, body, response.headers)
            event, data_lines = "", list[str]()
            async for raw in _lines(response, provider):
                line = raw.decode("utf-8", "replace")
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


async def _body_up_to(response: httpx.Response, cap: int) -> tuple[bytes, bool]:
    """The body, read only up to `cap` bytes (memory stays bounded); whether it was whole."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit():  # framed by its length: read at once when within the cap (the common case)
        if int(declared) > cap:
            return b"", False
        return await response.aread(), True
    pieces: list[bytes] = []
    size = 0
    async for piece in response.aiter_bytes():
        size += len(piece)
        if size > cap:
            return b"".join(pieces), False
        pieces.append(piece)
    return b"".join(pieces), True


async def _capped_body(response: httpx.Response) -> bytes:
    """At most the line cap of an error body, within the total time limit."""
    body = b""
    async with asyncio.timeout(settings.UPSTREAM_TOTAL_TIMEOUT):
        async for piece in response.aiter_bytes():
            body += piece
            if len(body) > settings.UPSTREAM_MAX_LINE_BYTES:
                break
    return body


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


def sse_frame(data: str, event: str | None = None, *, end: bytes = b"\n\n") -> bytes:
    """An upstream's stream event as it framed it, for a passthrough relay: its data line kept byte for byte (a
    multi-line data field re-framed as one line), under its event name when it has one."""
    if "\n" in data:
        data = json.dumps(json.loads(data), separators=(",", ":"))
    head = b"event: " + event.encode() + b"\n" if event is not None else b""
    return head + b"data: " + data.encode() + end


def relayed_chunk(
    event_name: str, event: dict[str, Any], data: str, chunk: StreamChunk | None, final_events: tuple[str, ...]
) -> StreamChunk:
    """A named-event stream's event on passthrough: relayed as framed, except the final events (usage, the end),
    which the hub holds to write with its own usage once settled."""
    final = event.get("type") in final_events
    name = event_name if event_name != "message" else str(event.get("type"))
    return StreamChunk(
        data=chunk.data if chunk is not None else None,
        usage=chunk.usage if chunk is not None else None,
        raw=None if final else sse_frame(data, name),
        final=final,
        native_event=event if final else None,
    )
