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

from billing import keys, ledger, rate_limits
from llmhub.db_executor import run_db

log = logging.getLogger("llmhub.billing")
_last_sweep = -1e18
_sweeps: set[asyncio.Future[Any]] = set()


async def admit(
    *, team_id: int, user_id: int, key_id: int | None, request_id: str, amount: Decimal, prompt_tokens: int
) -> None:
    """Refuse with 429 (rate limit) or 402 (credits, budget), or hold the request's worst-case cost."""
    _maybe_sweep()
    await run_db(
        admit_now,
        team_id=team_id,
        user_id=user_id,
        key_id=key_id,
        request_id=request_id,
        amount=amount,
        prompt_tokens=prompt_tokens,
    )


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
    task = asyncio.ensure_future(run_db(ledger.release_expired_holds))
    _sweeps.add(task)
    task.add_done_callback(_sweep_done)


def _sweep_done(task: asyncio.Future[Any]) -> None:
    _sweeps.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("hold sweep failed", exc_info=task.exception())
    elif not task.cancelled() and task.result():
        log.warning("released %d expired credit holds", task.result())


async def wait_for_sweep() -> None:
    """Await a sweep in progress (tests)."""
    if _sweeps:
        await asyncio.gather(*_sweeps, return_exceptions=True)


def sweep_due_now() -> None:
    """Make the next admission run the sweep (tests)."""
    global _last_sweep
    _last_sweep = -1e18
