"""Where the request path does its database work: a small pool of threads off the event loop.

Each thread keeps its own persistent connection, so the hot path neither blocks the loop nor opens a
connection per request (Django's per-request thread would).
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections

T = TypeVar("T")
_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=settings.DB_THREADS, thread_name_prefix="llmhub-db")
        return _executor


def _run(fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    for conn in connections.all(initialized_only=True):
        conn.close_if_unusable_or_obsolete()
    return fn(*args, **kwargs)


async def run_db(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a sync function that uses the ORM on the database pool and await its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool(), functools.partial(_run, fn, args, kwargs))


def close_db_connections() -> None:
    """Close every pool thread's connection (test teardown, before dropping the test database)."""
    global _executor
    with _lock:
        pool, _executor = _executor, None
    if pool is None:
        return
    workers = settings.DB_THREADS
    barrier = threading.Barrier(workers, timeout=5)

    def close_here() -> None:
        connections.close_all()
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass

    for future in [pool.submit(close_here) for _ in range(workers)]:
        future.result()
    pool.shutdown(wait=True)
