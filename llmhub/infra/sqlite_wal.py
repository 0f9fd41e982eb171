"""SQLite's WAL checkpoints, moved off the request path.

By default SQLite checkpoints inside whichever commit pushes the write-ahead log past 1,000 pages, so
every few dozen requests one of them waits for the checkpoint's fsync (measured: 4.6 ms at p99 of
commits, against 57 µs at p50). The request path's database threads turn that off for their own
connections, and one background thread per process checkpoints every second instead. Its checkpoints
are PASSIVE: they copy what they can and never make a writer wait. Under steady writes a passive
checkpoint never catches the log's end, so the log would only grow: once it passes RESTART_AFTER_FRAMES
the thread runs a RESTART checkpoint, which holds writers for the few frames left, so the next commit
starts the log from its beginning (and journal_size_limit trims the file). Every other connection
(pages, management commands) keeps SQLite's default.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import connection, connections
from django.db.backends.signals import connection_created

log = logging.getLogger("llmhub.db")

CHECKPOINT_EVERY_SECONDS = 1.0
RESTART_AFTER_FRAMES = 4096  # pages: 16 MB of log at SQLite's default page size
REQUEST_THREAD_PREFIX = "llmhub-db"

_thread: threading.Thread | None = None
_stop = threading.Event()
_lock = threading.Lock()


def applies() -> bool:
    return bool(connections["default"].vendor == "sqlite")


def _no_checkpoints_in_request_threads(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite" and threading.current_thread().name.startswith(REQUEST_THREAD_PREFIX):
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint=0")


connection_created.connect(_no_checkpoints_in_request_threads, dispatch_uid="llmhub-sqlite-wal")


def checkpoint_now(mode: str = "PASSIVE") -> tuple[int, int, int]:
    """One checkpoint on this thread's connection: (busy, frames in the log, frames checkpointed)."""
    assert mode in ("PASSIVE", "RESTART")
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA wal_checkpoint({mode})")
        busy, logged, done = cursor.fetchone()
    return int(busy), int(logged), int(done)


def checkpoint_and_restart_if_long() -> None:
    _, logged, _ = checkpoint_now()
    if logged > RESTART_AFTER_FRAMES:
        checkpoint_now("RESTART")


def _checkpoint_until_stopped(stop: threading.Event) -> None:
    try:
        while not stop.wait(CHECKPOINT_EVERY_SECONDS):
            try:
                checkpoint_and_restart_if_long()
            except Exception:  # try again next time; the log keeps every commit meanwhile
                log.warning("SQLite checkpoint failed", exc_info=True)
    finally:
        connection.close()


def start_checkpointer() -> None:
    """Start this process's checkpoint thread (SQLite only; idempotent)."""
    global _thread
    if not applies():
        return
    with _lock:
        if _thread is not None and _thread.is_alive():
            return
        _stop.clear()
        _thread = threading.Thread(
            target=_checkpoint_until_stopped, args=(_stop,), name="llmhub-sqlite-checkpoint", daemon=True
        )
        _thread.start()


def stop_checkpointer() -> None:
    """Stop the checkpoint thread and close its connection (tests, shutdown)."""
    global _thread
    with _lock:
        thread, _thread = _thread, None
    if thread is None:
        return
    _stop.set()
    thread.join(timeout=10)
