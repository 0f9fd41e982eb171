"""What the gateway asks billing before and after an upstream call: admit (rate limits, budgets, credit
hold) and settle (charge, budget counters, token-rate correction). Also runs the hold sweep now and then.
"""

from __future__ import annotations

import asyncio
import logging
import time
from decimal import Decimal
from typing import Any

from django.conf import settings

from billing import keys, ledger, rate_limits, refusals
from llmhub.db_executor import run_db, run_db_write
from llmhub.errors import HubError

log = logging.getLogger("llmhub.billing")
_last_sweep = -1e18
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
) -> None:
    """Refuse with 429 (rate limit) or 402 (credits, budget), recorded as a Refusal, or hold the worst case."""
    _maybe_sweep()
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
        await run_db(refusals.record_refusal, team_id=team_id, user_id=user_id, key_id=key_id, status=exc.status,
                     code=exc.code, message=exc.message, model=model, request_id=request_id)  # fmt: skip
        raise
    except asyncio.CancelledError:
        # The client left while we were admitting it: no call will settle, so give the hold straight back
        # rather than leave the credits locked until the sweep.
        task.add_done_callback(lambda done: _release_after(done, request_id))
        raise


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


def settle_request(draft: ledger.UsageDraft) -> ledger.Settlement:
    """Settle the usage (exactly once), then correct the key's tokens/minute to the actual count."""
    settlement = ledger.settle_usage(draft)
    rate_limits.correct(draft.request_id, draft.prompt_tokens + draft.completion_tokens)
    return settlement


def _maybe_sweep() -> None:
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
    """Await hold releases in progress (tests)."""
    if _background:
        await asyncio.gather(*_background, return_exceptions=True)


def sweep_due_now() -> None:
    """Make the next admission run the sweep (tests)."""
    global _last_sweep
    _last_sweep = -1e18
