"""Where the request path does its database work: a small pool of threads off the event loop.

On SQLite each thread keeps its own persistent connection, so the hot path neither blocks the loop nor
opens a connection per request; on PostgreSQL each job borrows one from the worker's bounded pool (DB_POOL)
and gives it back when it ends, so idle threads hold none. The two writes every request makes (the
credit hold and the settlement) go through `run_db_write`, which commits the writes of concurrent
requests together (group commit): one transaction and one commit for all that queued meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connections, transaction

from llmhub.infra import sqlite_wal

T = TypeVar("T")
_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=settings.DB_THREADS, thread_name_prefix=sqlite_wal.REQUEST_THREAD_PREFIX
            )
            sqlite_wal.start_checkpointer()
        return _executor


def _drop_stale_connections() -> None:
    """What Django does at each request's start: close this thread's connections if broken or too old.

    Only a connection that saw an error, is past CONN_MAX_AGE or was left outside autocommit is looked at:
    Django's own call would also re-arm CONN_HEALTH_CHECKS, a `SELECT 1` round trip before every write.
    A connection that broke meanwhile fails its next statement, which marks it, and is replaced then.
    """
    for conn in connections.all(initialized_only=True):
        if conn.connection is None:
            continue
        obsolete = conn.close_at is not None and time.monotonic() >= conn.close_at
        if conn.errors_occurred or obsolete or conn.get_autocommit() != conn.settings_dict["AUTOCOMMIT"]:
            conn.close_if_unusable_or_obsolete()


@functools.cache
def _pooled() -> bool:
    """Whether any database is configured with a connection pool (on SQLite none is: nothing to give back)."""
    return any("pool" in (db.get("OPTIONS") or {}) for db in settings.DATABASES.values())


setting_changed.connect(lambda **_kwargs: _pooled.cache_clear(), weak=False)  # tests override DATABASES


def _return_pooled_connections() -> None:
    """Give this thread's pooled connections back (after each job): a thread holds one only while it works."""
    if not _pooled():
        return
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and getattr(conn, "pool", None) is not None and not conn.in_atomic_block:
            conn.close()


def _run(fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    _drop_stale_connections()
    try:
        return fn(*args, **kwargs)
    finally:
        _return_pooled_connections()


async def run_db(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a sync function that uses the ORM on the database pool and await its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool(), functools.partial(_run, fn, args, kwargs))


@dataclass
class _Write:
    fn: Callable[[], Any]
    order: Any
    future: asyncio.Future[Any]


class _WriteGroups:
    """The writes waiting for the database on one event loop; at most one group runs at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queued: list[_Write] = []
        self.running = False

    def submit(self, write: _Write) -> None:
        self.queued.append(write)
        if not self.running:
            self._start()

    def _start(self) -> None:
        group, self.queued = self.queued, []
        self.running = True
        done = _pool().submit(_run_group, [(w.fn, w.order) for w in group])
        done.add_done_callback(lambda f: self._finish_soon(group, f))

    def _finish_soon(self, group: list[_Write], done: Future[list[tuple[bool, Any]]]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody awaits these any more
            self.loop.call_soon_threadsafe(self._finish, group, done)

    def _finish(self, group: list[_Write], done: Future[list[tuple[bool, Any]]]) -> None:
        self.running = False
        try:
            outcomes = done.result()
        except BaseException as exc:  # noqa: BLE001 - the shared commit failed: every write in it failed
            outcomes = [(False, exc)] * len(group)
        for write, (ok, value) in zip(group, outcomes, strict=True):
            if write.future.done():
                continue
            if ok:
                write.future.set_result(value)
            else:
                write.future.set_exception(value)
        if self.queued:
            self._start()


_groups: dict[int, _WriteGroups] = {}


def _attempt(fn: Callable[[], Any]) -> tuple[bool, Any]:
    try:
        return True, fn()
    except Exception as exc:  # noqa: BLE001 - handed to the caller that submitted it
        return False, exc


def _run_group(group: list[tuple[Callable[[], Any], Any]]) -> list[tuple[bool, Any]]:
    """Run a group of writes in one transaction (each in its own savepoint); one commit for them all.

    Writes run in ascending `order` (the team id), so two processes' groups lock team rows in the same
    order and cannot deadlock. A write that raises rolls back to its savepoint only; the others commit.
    """
    _drop_stale_connections()
    try:
        if len(group) == 1:
            return [_attempt(group[0][0])]
        outcomes: list[tuple[bool, Any]] = [(False, None)] * len(group)
        with transaction.atomic():
            for index in sorted(range(len(group)), key=lambda i: group[i][1]):
                outcomes[index] = _attempt(group[index][0])
        return outcomes
    finally:
        _return_pooled_connections()


def run_db_write(fn: Callable[..., T], /, *args: Any, order: Any = 0, **kwargs: Any) -> asyncio.Future[T]:
    """Run a short write on the database pool, committed together with the writes queued beside it.

    `fn` must do all its work inside `transaction.atomic()` (so it becomes a savepoint when grouped),
    and `order` is the id of the first row it locks. The result (or exception) reaches only its caller.
    """
    loop = asyncio.get_running_loop()
    groups = _groups.get(id(loop))
    if groups is None or groups.loop is not loop:
        groups = _groups[id(loop)] = _WriteGroups(loop)
        for key in [k for k, g in _groups.items() if g.loop.is_closed()]:
            del _groups[key]
    future: asyncio.Future[T] = loop.create_future()
    groups.submit(_Write(functools.partial(fn, *args, **kwargs), order, future))
    return future


_also_close: list[Callable[[], None]] = []


def also_close(close: Callable[[], None]) -> None:
    """Have `close_db_connections` call `close` too (the PostgreSQL pipeline's connections)."""
    _also_close.append(close)


def close_db_connections() -> None:
    """Close every pool thread's connection, and the others registered with `also_close` (test teardown,
    before dropping the test database)."""
    global _executor
    for close in _also_close:
        close()
    with _lock:
        pool, _executor = _executor, None
    sqlite_wal.stop_checkpointer()
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
