"""PostgreSQL: the request path's credit holds and settlements, awaited on the event loop.

Each is one statement (billing/ledger_statements.py). The writes that queue while a group is in flight
go together as the next group: BEGIN and every statement in one pipelined round trip, then COMMIT in a
second, on one async connection per event loop. Nothing waits in a thread for the GIL, and the whole
group shares one commit (one WAL flush) — group commit, as db_executor does for the threaded path.

A statement's `finish` reads its row and either returns the write's result, refuses it alone (a HubError,
e.g. too few credits: the statement wrote nothing), or asks for the slow way (any other exception: a
low-balance alert to raise, budget counters to release). Then, or if anything fails (a second
settlement of one request hits the unique request id, the connection drops), the group is rolled back
and each write runs its `fallback` on the database pool, in its own transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from django.conf import settings
from django.db import connections

from llmhub.errors import HubError
from llmhub.infra import db_executor

log = logging.getLogger("llmhub.db")


@dataclass(frozen=True)
class Result:
    """What a statement returned: its first row (None if it returns none) and the rows it touched."""

    row: Sequence[Any] | None
    rowcount: int


@dataclass
class _Queued:
    statement: Any  # a ledger_statements.Statement (sql, params, finish, fallback)
    order: Any
    future: asyncio.Future[Any]


# What this process's pipeline has done: groups sent, writes in them, and writes that went the slow way.
stats = {"groups": 0, "writes": 0, "slow": 0}


def available() -> bool:
    """True where this path runs: PostgreSQL with DB_PIPELINE on. (From the settings: in an async context
    `connections["default"]` builds a new connection wrapper, which would cost more than the check.)"""
    return bool(settings.DB_PIPELINE) and "postgresql" in settings.DATABASES["default"]["ENGINE"]


class _LoopWriter:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.conn: psycopg.AsyncConnection[Any] | None = None
        self.queued: list[_Queued] = []
        self.inflight: list[_Queued] = []  # the group being written
        self.task: asyncio.Task[None] | None = None

    def submit(self, queued: _Queued) -> None:
        self.queued.append(queued)
        if self.task is None or self.task.done():
            self.task = self.loop.create_task(self._drain())
            self.task.add_done_callback(self._drained)

    async def _drain(self) -> None:
        while self.queued:
            self.inflight, self.queued = self.queued, []
            self.inflight.sort(key=lambda q: q.order)  # every group locks team rows in one order: no deadlocks
            outcomes = await self._run(self.inflight)
            for queued, (ok, value) in zip(self.inflight, outcomes, strict=True):
                if queued.future.done():
                    continue
                if ok:
                    queued.future.set_result(value)
                else:
                    queued.future.set_exception(value)
            self.inflight = []

    def _drained(self, task: asyncio.Task[None]) -> None:
        """A drain cut off (cancelled as the loop shuts down, even before it started) leaves writes owed.

        What its connection was doing is unknown, so it is closed (the server rolls back whatever did not
        commit) and every write still owed goes to the database pool, whose answer arrives whether or not
        this loop's tasks are being cancelled. Each write is idempotent by request id: one that did commit
        is found, not written twice.
        """
        if not task.cancelled() and task.exception() is None:
            return
        owed = self.inflight + (self.queued if self.task is task else [])
        self.inflight = []
        if self.task is task:
            self.queued = []
        self._discard_connection()
        for queued in owed:
            _fallback_in_thread(queued)

    def _discard_connection(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.pgconn.finish()
            self.conn = None

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        if self.conn is None or self.conn.closed or self.conn.broken:
            params = connections["default"].get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)  # psycopg's own types: numeric → Decimal, jsonb → Python
            # Three statements, run over and over: prepared at once, the server plans each once per connection.
            params["prepare_threshold"] = 0 if settings.DB_PIPELINE_PREPARED else None
            self.conn = await psycopg.AsyncConnection.connect(**params, autocommit=True)
        return self.conn

    async def _run(self, group: list[_Queued]) -> list[tuple[bool, Any]]:
        stats["groups"] += 1
        stats["writes"] += len(group)
        try:
            return await self._pipelined(group)
        except Exception:  # rolled back: each write goes again its own way
            log.info("a pipelined group of %d writes went the slow way", len(group), exc_info=True)
            stats["slow"] += len(group)
            if self.conn is not None and self.conn.broken:
                self.conn = None
            return [await _fallback(queued) for queued in group]

    async def _pipelined(self, group: list[_Queued]) -> list[tuple[bool, Any]]:
        conn = await self._connect()
        outcomes: list[tuple[bool, Any]] = []
        async with conn.pipeline() as pipeline, conn.transaction():
            cursors = []
            for queued in group:
                cursor = conn.cursor()
                await cursor.execute(queued.statement.sql, queued.statement.params)
                cursors.append(cursor)
            await pipeline.sync()  # BEGIN and every statement: one round trip
            for queued, cursor in zip(group, cursors, strict=True):
                row = await cursor.fetchone() if cursor.description is not None else None
                try:
                    outcomes.append((True, queued.statement.finish(Result(row, cursor.rowcount))))
                except HubError as exc:  # refused alone: its statement wrote nothing
                    outcomes.append((False, exc))
        return outcomes  # committed: the second round trip


def _fallback_in_thread(queued: _Queued) -> None:
    if queued.future.done():
        return

    def copy(done: asyncio.Future[Any]) -> None:
        if queued.future.done():
            return
        if done.cancelled():
            queued.future.cancel()
        elif done.exception() is not None:
            queued.future.set_exception(done.exception())  # type: ignore[arg-type]  # not None: checked
        else:
            queued.future.set_result(done.result())

    db_executor.run_db_write(queued.statement.fallback, order=queued.order).add_done_callback(copy)


async def _fallback(queued: _Queued) -> tuple[bool, Any]:
    try:
        return True, await db_executor.run_db_write(queued.statement.fallback, order=queued.order)
    except Exception as exc:  # noqa: BLE001 - handed to the caller that submitted it
        return False, exc


_writers: dict[int, _LoopWriter] = {}


def run_statement(statement: Any, *, order: Any) -> asyncio.Future[Any]:
    """Queue one statement write for this loop's next group; its result (or exception) reaches the caller."""
    loop = asyncio.get_running_loop()
    writer = _writers.get(id(loop))
    if writer is None or writer.loop is not loop:
        writer = _writers[id(loop)] = _LoopWriter(loop)
        for key in [k for k, w in _writers.items() if w.loop.is_closed()]:
            _close(_writers.pop(key))
    future: asyncio.Future[Any] = loop.create_future()
    writer.submit(_Queued(statement, order, future))
    return future


def _close(writer: _LoopWriter) -> None:
    writer._discard_connection()  # synchronous: the writer's loop may be gone


def close_all() -> None:
    """Close every loop's connection (test teardown, before the test database is dropped)."""
    for writer in list(_writers.values()):
        _close(writer)
    _writers.clear()


db_executor.also_close(close_all)
