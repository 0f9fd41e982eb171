"""Trying a request's model chain: each deployment with retries and backoff, then the next, until one answers."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from django.conf import settings

from llmhub.catalog import ModelSpec
from llmhub.errors import HubError, UpstreamError
from llmhub.gateway.call import Call
from llmhub.providers.base import Target

log = logging.getLogger("llmhub.gateway")

MAX_WAIT = 2.0
T = TypeVar("T")


def backoff_delay(attempt: int, retry_after: float | None) -> float | None:
    """Seconds to wait before attempt `attempt + 1`, or None when waiting is not worth it.

    An upstream that asks us to wait longer than MAX_WAIT is skipped for the next target instead.
    """
    if retry_after is not None:
        return retry_after if retry_after <= MAX_WAIT else None
    return min(MAX_WAIT, float(settings.UPSTREAM_RETRY_BACKOFF) * 2.0**attempt)


def _record_attempt(call: Call, spec: ModelSpec, target: Target, started: float, error: HubError | None) -> None:
    call.attempts.append(
        {
            "model": spec.name,
            "provider": target.provider.name,
            "status": "ok" if error is None else "error",
            "code": "" if error is None else error.code,
            "ms": int((time.monotonic() - started) * 1000),
        }
    )


async def with_fallback(call: Call, attempt_fn: Callable[[ModelSpec, Target], Awaitable[T]]) -> T:
    """Run attempt_fn(spec, target) over the chain with retries; return the first success."""
    last_error: HubError | None = None
    for spec in call.chain:
        for target in spec.targets:
            for attempt in range(settings.UPSTREAM_MAX_ATTEMPTS):
                started = time.monotonic()
                try:
                    result = await attempt_fn(spec, target)
                except UpstreamError as exc:
                    _record_attempt(call, spec, target, started, exc)
                    last_error = exc
                    log.warning("attempt failed: %s on %s: %s", spec.name, target.provider.name, exc.code)
                    delay = backoff_delay(attempt, exc.retry_after)
                    if not exc.retryable or delay is None or attempt + 1 >= settings.UPSTREAM_MAX_ATTEMPTS:
                        break
                    await asyncio.sleep(delay)
                    continue
                except HubError as exc:
                    _record_attempt(call, spec, target, started, exc)
                    raise
                _record_attempt(call, spec, target, started, None)
                call.served, call.target = spec, target
                return result
    assert last_error is not None
    raise last_error
