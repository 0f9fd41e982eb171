"""The one outbound HTTP client: pooled, one per event loop, on aiohttp's transport for speed."""

from __future__ import annotations

import asyncio

import httpx
from django.conf import settings
from httpx_aiohttp import AiohttpTransport

_clients: dict[int, tuple[asyncio.AbstractEventLoop, httpx.AsyncClient]] = {}


def upstream_timeout() -> httpx.Timeout:
    return httpx.Timeout(
        connect=settings.UPSTREAM_CONNECT_TIMEOUT,
        read=settings.UPSTREAM_READ_TIMEOUT,
        write=settings.UPSTREAM_READ_TIMEOUT,
        pool=settings.UPSTREAM_CONNECT_TIMEOUT,
    )


def get_client() -> httpx.AsyncClient:
    """The shared client for the running event loop (tests run several loops in one process)."""
    loop = asyncio.get_running_loop()
    entry = _clients.get(id(loop))
    if entry is None or entry[0] is not loop or entry[1].is_closed:
        limits = httpx.Limits(max_connections=500, max_keepalive_connections=100, keepalive_expiry=30)
        client = httpx.AsyncClient(
            transport=AiohttpTransport(limits=limits, trust_env=False),
            timeout=upstream_timeout(),
            trust_env=False,
        )
        _clients[id(loop)] = (loop, client)
        for key, (other_loop, _) in list(_clients.items()):
            if other_loop.is_closed():
                del _clients[key]
        return client
    return entry[1]


async def close_client() -> None:
    """Close the running loop's client (server shutdown), so no connection is left half-open."""
    entry = _clients.pop(id(asyncio.get_running_loop()), None)
    if entry is not None:
        await entry[1].aclose()
