"""Where the deployments' health lives: in this process, or in Redis (shared by every worker) when REDIS_URL
is set. A handful of atomic primitives (counters, set-if-absent, capped lists), each with a time to live."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from typing import Any, Protocol

from django.conf import settings

log = logging.getLogger("llmhub.gateway")
PREFIX = "llmhub:health:"


class HealthStore(Protocol):
    async def get_many(self, keys: list[str]) -> list[str | None]: ...
    async def put(self, key: str, value: str, ttl: float, *, only_new: bool = False) -> bool: ...
    async def delete(self, *keys: str) -> None: ...
    async def count(self, key: str, ttl: float) -> None: ...
    async def count_many(self, keys: list[str], ttl: float) -> None: ...
    async def push(self, key: str, value: str, keep: int, ttl: float) -> None: ...
    async def items(self, key: str) -> list[str]: ...


class LocalStore:
    """One process's health (the hub's threads share it: the live test server runs in one)."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[Any, float]] = {}
        self._lock = threading.Lock()

    def _get(self, key: str, now: float) -> Any:
        found = self._values.get(key)
        if found is None or found[1] <= now:
            self._values.pop(key, None)
            return None
        return found[0]

    async def get_many(self, keys: list[str]) -> list[str | None]:
        now = time.monotonic()
        with self._lock:
            return [None if (v := self._get(k, now)) is None else str(v) for k in keys]

    async def put(self, key: str, value: str, ttl: float, *, only_new: bool = False) -> bool:
        now = time.monotonic()
        with self._lock:
            if only_new and self._get(key, now) is not None:
                return False
            self._values[key] = (value, now + ttl)
            return True

    async def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._values.pop(key, None)

    async def count(self, key: str, ttl: float) -> None:
        now = time.monotonic()
        with self._lock:
            current = self._get(key, now)
            self._values[key] = (int(current or 0) + 1, now + ttl if current is None else self._values[key][1])

    async def count_many(self, keys: list[str], ttl: float) -> None:
        for key in keys:
            await self.count(key, ttl)

    async def push(self, key: str, value: str, keep: int, ttl: float) -> None:
        now = time.monotonic()
        with self._lock:
            current = list(self._get(key, now) or [])
            self._values[key] = ([value, *current][:keep], now + ttl)

    async def items(self, key: str) -> list[str]:
        with self._lock:
            return list(self._get(key, time.monotonic()) or [])

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


class RedisStore:
    """Health in Redis, shared by every worker. One asyncio client per event loop (a pool is bound to its loop)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()

    def _client(self) -> Any:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            import redis.asyncio

            client = redis.asyncio.Redis.from_url(self.url, socket_timeout=0.5, socket_connect_timeout=0.5)
            self._clients[loop] = client
        return client

    async def get_many(self, keys: list[str]) -> list[str | None]:
        values = await self._client().mget(keys)
        return [None if v is None else v.decode() for v in values]

    async def put(self, key: str, value: str, ttl: float, *, only_new: bool = False) -> bool:
        return bool(await self._client().set(key, value, px=max(1, int(ttl * 1000)), nx=only_new))

    async def delete(self, *keys: str) -> None:
        if keys:
            await self._client().delete(*keys)

    async def count(self, key: str, ttl: float) -> None:
        async with self._client().pipeline(transaction=False) as pipe:
            pipe.incr(key).pexpire(key, max(1, int(ttl * 1000)), nx=True)
            await pipe.execute()

    async def count_many(self, keys: list[str], ttl: float) -> None:
        """Each key counted, in one round trip."""
        async with self._client().pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.incr(key).pexpire(key, max(1, int(ttl * 1000)), nx=True)
            await pipe.execute()

    async def push(self, key: str, value: str, keep: int, ttl: float) -> None:
        async with self._client().pipeline(transaction=False) as pipe:
            pipe.lpush(key, value).ltrim(key, 0, keep - 1).pexpire(key, max(1, int(ttl * 1000)))
            await pipe.execute()

    async def items(self, key: str) -> list[str]:
        return [v.decode() for v in await self._client().lrange(key, 0, -1)]

    def clear(self) -> None:
        import redis

        client = redis.Redis.from_url(self.url, socket_timeout=0.5, socket_connect_timeout=0.5)
        for name in client.scan_iter(match=PREFIX + "*"):
            client.delete(name)
        client.close()


_local = LocalStore()
_redis: RedisStore | None = None


def store() -> LocalStore | RedisStore:
    """Redis when REDIS_URL is set, else this process's store."""
    global _redis
    if not settings.REDIS_URL:
        return _local
    if _redis is None or _redis.url != settings.REDIS_URL:
        _redis = RedisStore(settings.REDIS_URL)
    return _redis


def store_in_process() -> LocalStore:
    return _local


def clear() -> None:
    """Forget every deployment's health (tests; an operator after fixing a provider)."""
    _local.clear()
    if settings.REDIS_URL:
        store().clear()
