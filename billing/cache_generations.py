"""Per-process caches kept in step across a fleet of workers: a generation counter per cache in the shared
cache (Redis), bumped by the process that changed the data and polled by every worker's watcher thread every
quarter second, which forgets its copy on a change. Without Redis the shared cache is per process: a no-op."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger("llmhub")
POLL_SECONDS = 0.25
_watched: dict[str, list[Callable[[], None]]] = {}
_seen: dict[str, object] = {}
_thread: threading.Thread | None = None
_lock = threading.Lock()


def _key(name: str) -> str:
    return f"cache-generation:{name}"


def watch(name: str, forget: Callable[..., None]) -> None:
    """Call `forget()` in this process whenever another process bumps generation `name`."""
    _watched.setdefault(name, []).append(forget)


def bump(name: str) -> None:
    """Tell every worker that the data behind cache `name` changed (the caller forgets its own copy)."""
    if not settings.REDIS_URL:
        return
    try:
        cache.set(_key(name), time.time_ns(), timeout=None)
    except Exception:
        log.warning("could not publish a change of %s", name, exc_info=True)


def poll_once() -> list[str]:
    """Forget every cache whose generation moved since the last poll; returns their names."""
    names = list(_watched)
    current = cache.get_many([_key(n) for n in names])
    changed = []
    for name in names:
        value = current.get(_key(name))
        if name in _seen and value != _seen[name]:
            changed.append(name)
            for forget in _watched[name]:
                forget()
        _seen[name] = value
    return changed


def _watch_forever() -> None:
    while True:
        try:
            poll_once()
        except Exception:
            log.debug("cache generation poll failed", exc_info=True)
        time.sleep(POLL_SECONDS)


def start_watching() -> None:
    """Start this process's watcher thread (idempotent; only with Redis, where workers share a cache)."""
    global _thread
    if not settings.REDIS_URL or (_thread is not None and _thread.is_alive()):
        return
    with _lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_watch_forever, name="cache-generations", daemon=True)
            _thread.start()
