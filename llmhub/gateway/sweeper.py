"""Every worker's own timer for the hold sweep (no cron, no traffic needed), and the chores other apps register
on it; and the shutdown drain: in-flight requests get a grace period, then what is left is cancelled and
settled as interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from llmhub.gateway import charging
from llmhub.infra.db_executor import run_db

log = logging.getLogger("llmhub.billing")
_task: asyncio.Task[None] | None = None
_NAP = 0.25


@dataclass
class _Chore:
    job: Callable[[], object]
    every_seconds: float
    last: float = -1e18


_chores: dict[str, _Chore] = {}


def add_chore(name: str, job: Callable[[], object], *, every_seconds: float) -> None:
    """Also run `job` (synchronous database upkeep, e.g. dropping expired uploads) on each worker's timer, at
    most every `every_seconds`: apps register theirs in AppConfig.ready, so the gateway imports none of them."""
    _chores[name] = _Chore(job, every_seconds)


def chores_due_now() -> None:
    """Make the timer's next tick run every chore (tests)."""
    for chore in _chores.values():
        chore.last = -1e18


async def _run_chores() -> None:
    for name, chore in list(_chores.items()):
        now = time.monotonic()
        if now - chore.last < chore.every_seconds:
            continue
        chore.last = now
        try:
            done = await run_db(chore.job)
            if done:
                log.info("%s: %s", name, done)
        except Exception:  # retried at its next turn
            log.exception("%s failed", name)


def ensure_running() -> None:
    """Start this event loop's sweeper unless it runs already (the lifespan starts it; daphne, and servers
    run without lifespan, start it with their first request)."""
    global _task
    loop = asyncio.get_running_loop()
    if _task is not None and not _task.done() and _task.get_loop() is loop:
        return
    _task = loop.create_task(_sweep_forever(), name="hold-sweeper")


async def _sweep_forever() -> None:
    while True:
        started = time.monotonic()
        try:
            settled = await charging.sweep()
            if settled:
                log.warning("settled or released %s orphaned credit hold(s)", settled)
        except Exception:  # a failed sweep is retried next interval
            log.exception("sweeping credit holds failed")
        await _run_chores()
        # Short naps, so a changed interval (tests) takes effect without waiting out the old one.
        while time.monotonic() - started < settings.HOLD_SWEEP_INTERVAL_SECONDS:
            await asyncio.sleep(_NAP)


async def stop() -> None:
    global _task
    task, _task = _task, None
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def drain(grace_seconds: float) -> int:
    """Wait up to `grace_seconds` for this worker's live requests to finish, then cancel the rest (each
    settles as interrupted, from its last checkpoint). Returns how many were cut."""
    deadline = time.monotonic() + grace_seconds
    while charging.live_requests() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    left = charging.live_requests()
    if not left:
        return 0
    charging.start_interrupting()
    current = asyncio.current_task()
    tasks = {task for task in left.values() if task is not None and task is not current and not task.done()}
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=5)
    await charging.wait_for_background()
    return len(left)
