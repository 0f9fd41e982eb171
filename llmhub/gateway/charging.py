"""The gateway's seam to billing, async: admit (rate limits, budgets, credit hold), settle (one usage record
and one charge, shielded from cancellation), release, and the hold sweep. Billing's own code is sync and
runs on the database pool; this module is the only place the gateway calls it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from django.conf import settings

from billing import keys, ledger, rate_limits, refusals
from billing.ledger import Settlement, UsageDraft
from billing.money import ZERO
from llmhub.catalog import cost_of
from llmhub.errors import HubError
from llmhub.gateway.call import Call
from llmhub.infra.db_executor import run_db, run_db_write
from llmhub.providers.base import Usage

log = logging.getLogger("llmhub.billing")
_last_sweep = -1e18
# Background work (settlements of cancelled requests, hold releases) is kept referenced until done.
_background: set[asyncio.Future[Any]] = set()


async def admit(
    *,
    team_id: int,
    user_id: int,
    key_id: int | None,
    request_id: str,
    amount: Decimal,
    prompt_tokens: int,
    model: str = "",
    record_refusal: bool = True,
) -> None:
    """Refuse with 429 (rate limit) or 402 (credits, budget), recorded as a Refusal, or hold the worst case.

    The one policy for a cancel while admitting (an API client that left, a chat user who pressed Stop):
    no upstream call was made, so the hold is given straight back and no usage record is written.
    """
    maybe_sweep()
    task = asyncio.ensure_future(
        run_db_write(
            admit_now,
            order=team_id,
            team_id=team_id,
            user_id=user_id,
            key_id=key_id,
            request_id=request_id,
            amount=amount,
            prompt_tokens=prompt_tokens,
        )
    )
    try:
        await asyncio.shield(task)
    except HubError as exc:
        # Recorded after the admission's savepoint rolled back, so the refusal row is not undone with it.
        if record_refusal:
            await _record(team_id=team_id, user_id=user_id, key_id=key_id, model=model, request_id=request_id, exc=exc)
        raise
    except asyncio.CancelledError:
        task.add_done_callback(lambda done: _release_after(done, request_id))
        raise


async def _record(
    *, team_id: int, user_id: int, key_id: int | None, model: str, request_id: str, exc: HubError
) -> None:
    await run_db(refusals.record_refusal, team_id=team_id, user_id=user_id, key_id=key_id, status=exc.status,
                 code=exc.code, message=exc.message, model=model, request_id=request_id)  # fmt: skip


async def record_refusal(call: Call, exc: HubError) -> None:
    """Record a refusal the gateway decided on after admission's own attempt (lightweight, never charged)."""
    caller = call.caller
    await _record(team_id=caller.team_id, user_id=caller.user_id, key_id=caller.key_id, model=call.request.model,
                  request_id=call.request_id, exc=exc)  # fmt: skip


def _release_after(admitted: asyncio.Future[Any], request_id: str) -> None:
    if admitted.cancelled() or admitted.exception() is not None:
        return
    rate_limits.forget(request_id)
    _keep(asyncio.ensure_future(run_db(ledger.release_hold, request_id)))


def admit_now(
    *, team_id: int, user_id: int, key_id: int | None, request_id: str, amount: Decimal, prompt_tokens: int
) -> None:
    """The synchronous admission (runs on the database pool): rate limits first, they cost no query."""
    if key_id is not None:
        rpm, tpm = keys.rate_limits_for_key(key_id)
        rate_limits.admit(key_id=key_id, request_id=request_id, tokens=prompt_tokens, rpm=rpm, tpm=tpm)
    try:
        ledger.reserve_credits(team_id=team_id, request_id=request_id, amount=amount, user_id=user_id, key_id=key_id)
    except BaseException:
        rate_limits.forget(request_id)
        raise


def usage_draft(call: Call, usage: Usage, status: str, error_code: str = "", ttft_ms: int | None = None) -> UsageDraft:
    """The usage record a call settles as: its usage priced at the served model's prices."""
    spec = call.served
    cost = cost_of(usage, spec.prices) if spec is not None else ZERO
    if call.route is not None and call.baseline is not None and call.cache_status != "hit":
        # Savings = baseline_cost - cost: the same tokens priced at the model the client would otherwise use.
        call.route["baseline_cost"] = str(cost_of(usage, call.baseline.prices))
    return UsageDraft(
        request_id=call.request_id,
        user_id=call.caller.user_id,
        team_id=call.caller.team_id,
        key_id=call.caller.key_id,
        source=call.caller.source,
        model_requested=call.request.model,
        model_served=spec.name if spec else "",
        provider=call.target.provider.name if call.target else "",
        stream=call.request.stream,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        cached_tokens=usage.cached_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        reasoning_tokens=usage.reasoning_tokens,
        images=usage.images,
        tokens_estimated=usage.estimated,
        cost=cost,
        upstream_cost=usage.upstream_cost,
        latency_ms=int((time.monotonic() - call.started) * 1000),
        ttft_ms=ttft_ms,
        status=status,
        error_code=error_code,
        attempts=call.attempts,
        route=call.route,
    )


def settle_request(draft: UsageDraft) -> Settlement:
    """Settle the usage (exactly once), then correct the key's tokens/minute to the actual count. Sync."""
    settlement = ledger.settle_usage(draft)
    rate_limits.correct(draft.request_id, draft.prompt_tokens + draft.completion_tokens)
    return settlement


async def settle(call: Call, draft: UsageDraft) -> Settlement:
    """Write the usage record and charge, shielded so a cancelled request still settles exactly once."""
    if call.settled is not None:
        return call.settled
    task = asyncio.ensure_future(run_db_write(settle_request, draft, order=draft.team_id))
    _background.add(task)
    task.add_done_callback(_background.discard)
    call.settled = await asyncio.shield(task)
    return call.settled


@contextlib.asynccontextmanager
async def settled_on_failure(call: Call, *, cancelled_code: str) -> AsyncIterator[None]:
    """Around the upstream call, before any answer reached the client: a failure or a cancel settles the call
    at $0 (no tokens were delivered) and the error names the request."""
    try:
        yield
    except BaseException as exc:
        await _settle_failed(call, exc, cancelled_code=cancelled_code)
        if isinstance(exc, HubError):
            exc.request_id = call.request_id
        raise


async def _settle_failed(call: Call, exc: BaseException, *, cancelled_code: str) -> None:
    code = exc.code if isinstance(exc, HubError) else cancelled_code
    status = "cancelled" if isinstance(exc, asyncio.CancelledError) else "error"
    await settle(call, usage_draft(call, Usage(), status, code))


def maybe_sweep() -> None:
    """Release expired holds at most every HOLD_SWEEP_INTERVAL_SECONDS, in the background: no cron needed."""
    global _last_sweep
    now = time.monotonic()
    if now - _last_sweep < settings.HOLD_SWEEP_INTERVAL_SECONDS:
        return
    _last_sweep = now
    _keep(asyncio.ensure_future(run_db(ledger.release_expired_holds)))


def _keep(task: asyncio.Future[Any]) -> None:
    """Keep a background release referenced until done, and log how it went."""
    _background.add(task)
    task.add_done_callback(_background_done)


def _background_done(task: asyncio.Future[Any]) -> None:
    _background.discard(task)
    if task.cancelled():
        return
    if task.exception() is not None:
        log.error("releasing credit holds failed", exc_info=task.exception())
    elif task.result():
        log.warning("released %s credit hold(s)", int(task.result()))


async def wait_for_background() -> None:
    """Await settlements and hold releases in progress (tests)."""
    if _background:
        await asyncio.gather(*_background, return_exceptions=True)


def sweep_due_now() -> None:
    """Make the next admission run the sweep (tests)."""
    global _last_sweep
    _last_sweep = -1e18
