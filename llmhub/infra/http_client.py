"""The one outbound HTTP connection pool: one per event loop, httpx requests on aiohttp's transport.

Upstream calls go straight to the transport (`send`), not through `httpx.AsyncClient`: the client's
cookie jar, redirect and auth machinery cost about a third of a call's CPU, and none of it belongs in a
gateway. An upstream's cookies must never carry from one team's request to the next, and a redirect
from an API endpoint is an error to report, not a place to follow.
"""

from __future__ import annotations

import asyncio
import functools

import httpx
from django.conf import settings
from django.core.signals import setting_changed
from httpx_aiohttp import AiohttpTransport

# Sent with every upstream request unless the adapter sets its own.
DEFAULT_HEADERS = {"User-Agent": "llmhub", "Accept": "*/*", "Accept-Encoding": "gzip, deflate"}

_transports: dict[int, tuple[asyncio.AbstractEventLoop, AiohttpTransport]] = {}


def upstream_timeout() -> httpx.Timeout:
    return httpx.Timeout(
        connect=settings.UPSTREAM_CONNECT_TIMEOUT,
        read=settings.UPSTREAM_READ_TIMEOUT,
        write=settings.UPSTREAM_READ_TIMEOUT,
        pool=settings.UPSTREAM_CONNECT_TIMEOUT,
    )


@functools.cache
def _timeouts() -> dict[str, float | None]:
    """`upstream_timeout()` as the transport reads it, worked out once (until a setting changes)."""
    return upstream_timeout().as_dict()


setting_changed.connect(lambda **_kwargs: _timeouts.cache_clear(), weak=False)  # tests override the timeouts


def _transport() -> AiohttpTransport:
    """The pooled transport of the running event loop (tests run several loops in one process)."""
    loop = asyncio.get_running_loop()
    entry = _transports.get(id(loop))
    if entry is not None and entry[0] is loop:
        return entry[1]
    limits = httpx.Limits(max_connections=500, max_keepalive_connections=100, keepalive_expiry=30)
    transport = AiohttpTransport(limits=limits, trust_env=False)
    _transports[id(loop)] = (loop, transport)
    for key, (other_loop, _) in list(_transports.items()):
        if other_loop.is_closed():
            del _transports[key]
    return transport


@functools.lru_cache(maxsize=512)
def _parsed(url: str) -> httpx.URL:
    return httpx.URL(url)


async def send(method: str, url: str, *, headers: dict[str, str], content: bytes) -> httpx.Response:
    """Send one request on the pooled transport; the response's body is still to be read (and closed).

    Connect, read and pool timeouts come from settings; the caller bounds the total time.
    """
    request = httpx.Request(
        method,
        _parsed(url),
        headers={**DEFAULT_HEADERS, **headers},
        content=content,
        extensions={"timeout": dict(_timeouts())},  # a copy: the transport may keep or change its own
    )
    return await _transport().handle_async_request(request)


async def close_client() -> None:
    """Close the running loop's pool (server shutdown, test teardown), so no connection is left half-open."""
    entry = _transports.pop(id(asyncio.get_running_loop()), None)
    if entry is not None:
        await entry[1].aclose()
