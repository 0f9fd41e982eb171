"""Trying a request's model chain: each deployment with retries and backoff, then the next, until one answers."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from django.conf import settings

from llmhub.catalog import ModelSpec
from llmhub.errors import HubError, UpstreamError, UpstreamRateLimited, UpstreamUnavailable
from llmhub.gateway import health
from llmhub.gateway.call import Call
from llmhub.ops import tracing
from llmhub.providers.base import Target
from llmhub.providers.registry import serving_order

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


def _record_attempt(
    call: Call, spec: ModelSpec, target: Target, started: float, error: HubError | None, breaker: str = ""
) -> None:
    attempt = {
        "model": spec.name,
        "provider": target.provider.name,
        "status": "ok" if error is None else "error",
        "code": "" if error is None else error.code,
        "ms": int((time.monotonic() - started) * 1000),
    }
    if breaker:
        attempt["breaker"] = breaker  # the circuit breaker's decision: probe, opened, closed, reopened, ...
    call.attempts.append(attempt)


def _record_skip(call: Call, spec: ModelSpec, target: Target, reason: str) -> None:
    call.attempts.append(
        {"model": spec.name, "provider": target.provider.name, "status": "skipped", "code": reason, "ms": 0}
    )


async def with_fallback(call: Call, attempt_fn: Callable[[ModelSpec, Target], Awaitable[T]]) -> T:
    """Run attempt_fn(spec, target) over the chain with retries; return the first success."""
    last_error: HubError | None = None
    skipped: set[str] = set()
    for spec in call.chain:
        for target in serving_order(health.ordered(spec.targets), call.request):
            gate = await health.admit(spec.name, target, scope=str(call.caller.team_id))
            if gate.skip:
                _record_skip(call, spec, target, gate.skip_reason)
                skipped.add(gate.skip_reason)
                continue
            for attempt in range(settings.UPSTREAM_MAX_ATTEMPTS):
                started = time.monotonic()
                span = tracing.start_upstream(spec.name, target, call.request_id)
                try:
                    result = await attempt_fn(spec, target)
                except UpstreamError as exc:
                    tracing.failed(span, exc)
                    decision = await health.outcome(gate, exc)
                    _record_attempt(call, spec, target, started, exc, decision)
                    last_error = exc
                    log.warning("attempt failed: %s on %s: %s", spec.name, target.provider.name, exc.code)
                    delay = backoff_delay(attempt, exc.retry_after)
                    if not exc.retryable or delay is None or attempt + 1 >= settings.UPSTREAM_MAX_ATTEMPTS:
                        break
                    if gate.state == "probe" or decision:  # a probe is one attempt; an opened circuit, no more
                        break
                    await asyncio.sleep(delay)
                    continue
                except HubError as exc:
                    tracing.failed(span, exc)
                    await health.outcome(gate, exc)
                    _record_attempt(call, spec, target, started, exc)
                    raise
                except BaseException as exc:
                    # Cancelled (the client left, or shutdown) or a bug: no settlement will end this span.
                    tracing.abandoned(span, exc)
                    raise
                call.upstream_span = span  # the settlement ends it, even if cancelled from here on
                decision = await health.outcome(gate, None)
                _record_attempt(call, spec, target, started, None, decision)
                call.served, call.target = spec, target
                return result
    if last_error is None:  # every deployment was skipped
        raise _all_skipped(skipped)
    raise last_error


def _all_skipped(reasons: set[str]) -> UpstreamError:
    if reasons == {"cooling_down"}:
        return UpstreamRateLimited("The upstream asked us to slow down; retry shortly.", retry_after=1.0)
    return UpstreamUnavailable(
        "Every deployment of the requested model is failing; retry shortly.",
        code="deployments_unavailable",
        retry_after=settings.BREAKER_COOLDOWN_SECONDS,
    )
