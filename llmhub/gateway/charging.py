"""The gateway's seam to billing, async: admit (rate limits, budgets, credit hold with the request's
metering facts), checkpoint, settle (one usage record and one charge, shielded from cancellation), release,
and the sweep (heartbeat of this worker's live requests, then orphans settled as interrupted). Billing's own
code is sync and runs on the database pool; this module is the only place the gateway calls it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from django.conf import settings

from billing import keys, ledger, ledger_statements, orphans, rate_limits, refusals
from billing.ledger import HoldMeter, Settlement, UsageDraft
from billing.money import ZERO
from llmhub.catalog import cost_of
from llmhub.errors import HubError
from llmhub.gateway.call import Call
from llmhub.infra import pg_pipeline
from llmhub.infra.db_executor import run_db, run_db_write
from llmhub.ops.metrics import record_when_settled
from llmhub.providers.base import Usage

log = logging.getLogger("llmhub.billing")
_last_sweep = -1e18
# More than any one request could cost: a settlement that failed is not retried with a charge beyond it.
MAX_CHARGE = Decimal("1000000")
MAX_COUNT = 2**31 - 1  # the largest count every database's integer column takes
# Background work (settlements of cancelled requests, hold releases) is kept referenced until done.
_background: set[asyncio.Future[Any]] = set()
# This worker's requests holding credits, with the task serving each: the heartbeat renews their holds, and a
# shutdown past its grace period cancels what is left (settled then as interrupted, see cancelled_outcome).
_live: dict[str, asyncio.Task[Any] | None] = {}
_draining = False


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
    meter: HoldMeter | None = None,
    output_tokens: int = 0,
) -> None:
    """Refuse with 429 (rate limit) or 402 (credits, budget), recorded as a Refusal, or hold the worst case,
    written with its metering facts (`meter`) before any upstream byte.

    Tokens per minute are reserved like the credit hold, at the worst case (prompt + every output token
    allowed), and corrected to the actual count when the request settles.

    The one policy for a cancel while admitting (an API client that left, a chat user who pressed Stop):
    no upstream call was made, so the hold is given straight back and no usage record is written.
    """
    maybe_sweep()
    facts: dict[str, Any] = dict(team_id=team_id, user_id=user_id, key_id=key_id, request_id=request_id,
                                 amount=amount, prompt_tokens=prompt_tokens, meter=meter, output_tokens=output_tokens)  # fmt: skip
    task: asyncio.Future[Any]
    try:
        statement = _admission_statement(**facts)
    except HubError as exc:  # refused by the key's rate limits: recorded below like any refusal
        task = asyncio.get_running_loop().create_future()
        task.set_exception(exc)
        statement = None
    else:
        task = (
            pg_pipeline.run_statement(statement, order=team_id)
            if statement is not None
            else asyncio.ensure_future(run_db_write(admit_now, order=team_id, **facts))
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
    if amount > ZERO:
        _live[request_id] = asyncio.current_task()


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


def _admission_statement(
    *,
    team_id: int,
    user_id: int,
    key_id: int | None,
    request_id: str,
    amount: Decimal,
    prompt_tokens: int,
    meter: HoldMeter | None,
    output_tokens: int,
) -> ledger_statements.Statement | None:
    """The admission for the event loop's pipeline (PostgreSQL), or None where it would block on I/O: the key's
    limits not in the identity cache, buckets in Redis, or a hold that is not one statement."""
    if not pg_pipeline.available():
        return None
    limits = (None, None) if key_id is None else keys.known_rate_limits(key_id)
    if limits is None or (any(limits) and rate_limits.blocks()):
        return None
    hold = ledger_statements.hold(
        team_id=team_id, request_id=request_id, amount=amount, user_id=user_id, key_id=key_id, meter=meter
    )
    if hold is None:
        return None
    rpm, tpm = limits
    rate_limits.admit(key_id=key_id, request_id=request_id, tokens=prompt_tokens + output_tokens, rpm=rpm, tpm=tpm)

    def forgetting(step: Any) -> Any:
        def run(*args: Any) -> Any:
            try:
                return step(*args)
            except BaseException:
                rate_limits.forget(request_id)
                raise

        return run

    return dataclasses.replace(hold, finish=forgetting(hold.finish), fallback=forgetting(hold.fallback))


def admit_now(
    *,
    team_id: int,
    user_id: int,
    key_id: int | None,
    request_id: str,
    amount: Decimal,
    prompt_tokens: int,
    meter: HoldMeter | None = None,
    output_tokens: int = 0,
) -> None:
    """The synchronous admission (runs on the database pool): rate limits first, they cost no query."""
    if key_id is not None:
        rpm, tpm = keys.rate_limits_for_key(key_id)
        worst = prompt_tokens + output_tokens
        rate_limits.admit(key_id=key_id, request_id=request_id, tokens=worst, rpm=rpm, tpm=tpm)
    try:
        ledger.reserve_credits(
            team_id=team_id, request_id=request_id, amount=amount, user_id=user_id, key_id=key_id, meter=meter
        )
    except BaseException:
        rate_limits.forget(request_id)
        raise


def checkpoint(call: Call, usage: Usage) -> asyncio.Future[int]:
    """Write a streaming call's output so far, priced, to its hold (group-committed with other writes).

    Ordered after the team's other writes in a group (team id + 0.5): a checkpoint locks only the hold row,
    and taking it before a team row another worker's sweep holds could deadlock.
    """
    spec = call.served
    assert spec is not None
    progress: dict[str, Any] = dict(request_id=call.request_id, completion_tokens=usage.completion_tokens,
                    cost=cost_of(usage, spec.prices), model_served=spec.name,
                    provider=call.target.provider.name if call.target else "")  # fmt: skip
    if pg_pipeline.available():
        return pg_pipeline.run_statement(ledger_statements.checkpoint(**progress), order=call.caller.team_id + 0.5)
    return run_db_write(orphans.checkpoint_hold, order=call.caller.team_id + 0.5, **progress)


def cancelled_outcome(default_code: str) -> tuple[str, str]:
    """The status and code of a cancelled call: the client's doing, unless this worker is shutting down."""
    return ("interrupted", "server_shutdown") if _draining else ("cancelled", default_code)


def live_requests() -> dict[str, asyncio.Task[Any] | None]:
    """This worker's requests holding credits (a copy), by request id."""
    return dict(_live)


def start_interrupting() -> None:
    """From now on a cancelled call settles as interrupted (the worker is past its shutdown grace period)."""
    global _draining
    _draining = True


def stop_interrupting() -> None:
    """Cancels are the client's doing again (tests)."""
    global _draining
    _draining = False


def usage_draft(call: Call, usage: Usage, status: str, error_code: str = "", ttft_ms: int | None = None) -> UsageDraft:
    """The usage record a call settles as: its usage priced at the served model's prices."""
    spec = call.served
    tier = call.request.params.get("service_tier")
    service_tier = tier if isinstance(tier, str) else None
    cost = cost_of(usage, spec.prices, service_tier=service_tier) if spec is not None else ZERO
    clamped = usage.clamped
    if call.held is not None and cost > call.held:
        # More than the request was admitted for (a lying upstream, more hosted calls than the hold allowed): what
        # it may cost is what was held, and so counted against the team's hard budgets, never more; flagged.
        cost, clamped = call.held, True
    if call.route is not None and call.baseline is not None and call.cache_status != "hit":
        # Savings = baseline_cost - cost: the same tokens priced at the model the client would otherwise use.
        call.route["baseline_cost"] = str(cost_of(usage, call.baseline.prices, service_tier=service_tier))
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
        tokens_clamped=clamped,
        cost=cost,
        price_version=spec.prices.version if spec is not None else 0,
        upstream_cost=usage.upstream_cost,
        latency_ms=int((time.monotonic() - call.started) * 1000),
        ttft_ms=ttft_ms,
        status=status,
        error_code=error_code,
        attempts=call.attempts,
        route=call.route,
        client_tool=call.caller.client_tool,
        dropped=call.dropped,
    )


def settle_request(draft: UsageDraft) -> Settlement:
    """Settle the usage (exactly once), then correct the key's tokens/minute to the actual count. Sync."""
    settlement = ledger.settle_usage(draft)
    rate_limits.correct(draft.request_id, draft.prompt_tokens + draft.completion_tokens)
    return settlement


async def settle(call: Call, draft: UsageDraft) -> Settlement:
    """Write the usage record and charge, shielded so a cancelled request still settles exactly once.

    If that write fails, the request still ends as one record and one charge: settled again as an
    `error` with code `settlement_failed`, its tokens and cost kept, the extras that may have failed dropped.
    """
    if call.settled is not None:
        return call.settled
    try:
        call.settled = await _settle_shielded(call, draft)
    except Exception:
        log.exception("settling %s failed; settling it as an error", draft.request_id)
        call.settled = await _settle_shielded(call, settlement_failed(draft))
    return call.settled


def settlement_failed(draft: UsageDraft) -> UsageDraft:
    """The plainest record of a request whose settlement failed: status, code, counts and a sane cost."""
    cost = draft.cost if draft.cost.is_finite() and ZERO <= draft.cost < MAX_CHARGE else ZERO

    def count(n: int) -> int:
        return min(max(int(n), 0), MAX_COUNT)

    return dataclasses.replace(
        draft, status="error", error_code="settlement_failed", cost=cost, upstream_cost=None, route=None,
        attempts=[], prompt_tokens=count(draft.prompt_tokens), completion_tokens=count(draft.completion_tokens),
        cached_tokens=count(draft.cached_tokens), cache_write_tokens=count(draft.cache_write_tokens),
        reasoning_tokens=count(draft.reasoning_tokens), images=count(draft.images),
    )  # fmt: skip


async def _settle_now(draft: UsageDraft) -> Settlement:
    """settle_request: on PostgreSQL one statement in the event loop's pipeline, else on the database pool."""
    statement = ledger_statements.settlement(draft) if pg_pipeline.available() else None
    if statement is None:
        return await run_db_write(settle_request, draft, order=draft.team_id)
    settlement: Settlement = await pg_pipeline.run_statement(statement, order=draft.team_id)
    if rate_limits.pending(draft.request_id):
        actual = draft.prompt_tokens + draft.completion_tokens
        if rate_limits.blocks():
            await run_db(rate_limits.correct, draft.request_id, actual)
        else:
            rate_limits.correct(draft.request_id, actual)
    return settlement


async def _settle_shielded(call: Call, draft: UsageDraft) -> Settlement:
    task = asyncio.ensure_future(_settle_now(draft))
    # The span goes to the first settlement only: if that write fails, it ends there, and the retry has none.
    span, call.upstream_span = call.upstream_span, None
    record_when_settled(task, draft, span)
    _background.add(task)
    task.add_done_callback(_background.discard)
    task.add_done_callback(lambda _done: _live.pop(draft.request_id, None))
    return await asyncio.shield(task)


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
    if isinstance(exc, asyncio.CancelledError):
        status, code = cancelled_outcome(cancelled_code)
    else:
        status, code = "error", exc.code if isinstance(exc, HubError) else cancelled_code
    await settle(call, usage_draft(call, Usage(), status, code))


async def sweep() -> int:
    """Renew this worker's live holds (the heartbeat), then settle expired holds (dead processes') as
    interrupted. Returns how many were settled."""
    live = list(_live)
    if live:
        await run_db(orphans.renew_holds, live)
    return await run_db(orphans.settle_expired_holds)


def maybe_sweep() -> None:
    """Sweep at most every HOLD_SWEEP_INTERVAL_SECONDS, in the background (the sweeper's timer also does)."""
    global _last_sweep
    now = time.monotonic()
    if now - _last_sweep < settings.HOLD_SWEEP_INTERVAL_SECONDS:
        return
    _last_sweep = now
    _keep(asyncio.ensure_future(sweep()))


def _keep(task: asyncio.Future[Any]) -> None:
    """Keep a background release referenced until done, and log how it went."""
    _background.add(task)
    task.add_done_callback(_background_done)


def _background_done(task: asyncio.Future[Any]) -> None:
    _background.discard(task)
    if task.cancelled():
        return
    if task.exception() is not None:
        log.error("sweeping credit holds failed", exc_info=task.exception())
    elif task.result():
        log.warning("settled or released %s orphaned credit hold(s)", int(task.result()))


async def wait_for_background() -> None:
    """Await settlements and hold releases in progress (tests)."""
    if _background:
        await asyncio.gather(*_background, return_exceptions=True)


def sweep_due_now() -> None:
    """Make the next admission run the sweep (tests)."""
    global _last_sweep
    _last_sweep = -1e18
