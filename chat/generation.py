"""Stream one answer through the gateway and report what happened, also when it is cancelled.

Shared by chat turns and compare runs: same routing, fallback, metering and credits as the API.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from billing.models import UsageRecord
from llmhub.db_executor import run_db
from llmhub.errors import HubError
from llmhub.gateway import Call, Caller, _draft, plan, settle
from llmhub.providers.base import ChatRequest, Usage
from llmhub.streaming import StreamEvent, open_stream

OnDelta = Callable[[str], Awaitable[None]]


@dataclass
class Outcome:
    """The result of one answer: text so far, status (done/cancelled/error) and its metering."""

    text: str = ""
    status: str = "done"
    error: str = ""
    error_code: str = ""
    model: str = ""
    request_id: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: Decimal = Decimal("0")
    credits_remaining: Decimal | None = None
    latency_ms: int | None = None
    ttft_ms: int | None = None
    parts: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "error": self.error,
            "model": self.model,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost": str(self.cost),
            "credits_remaining": None if self.credits_remaining is None else str(self.credits_remaining),
            "latency_ms": self.latency_ms,
            "ttft_ms": self.ttft_ms,
        }


def explain(exc: HubError) -> str:
    """A human message with what to do next, for errors shown in the conversation."""
    if exc.status == 402:
        return _(
            "Your team is out of credits for this request. Ask a team admin to add credits, or pick a cheaper "
            "model or lower Max tokens."
        )
    if exc.status == 429:
        if exc.retry_after:
            seconds = math.ceil(float(exc.retry_after))
            return _("Too many requests right now. Wait about %(seconds)s seconds, then press Regenerate.") % {
                "seconds": seconds
            }
        return _("Too many requests right now. Wait a moment, then press Regenerate.")
    if exc.status in (502, 503, 504):
        return _(
            "The model's provider did not answer properly (%(reason)s) Press Regenerate to try again, or pick "
            "another model."
        ) % {"reason": exc.message}
    return exc.message


async def _record_of(request_id: str) -> UsageRecord | None:
    return await run_db(lambda: UsageRecord.objects.filter(request_id=request_id).first())


async def _plan(caller: Caller, request: ChatRequest) -> Call:
    """Plan (hold credits) so that a cancel during the hold still releases it through a settlement."""
    task = asyncio.ensure_future(plan(caller, request))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        call = await task
        await settle(call, _draft(call, Usage(), "cancelled", "client_cancelled"))
        raise


async def _apply(event: StreamEvent, outcome: Outcome, on_delta: OnDelta, started: float) -> None:
    if event.kind == "chunk":
        for choice in event.data.get("choices") or []:
            text = (choice.get("delta") or {}).get("content")
            if isinstance(text, str) and text:
                if outcome.ttft_ms is None:
                    outcome.ttft_ms = int((time.monotonic() - started) * 1000)
                outcome.parts.append(text)
                await on_delta(text)
    elif event.kind == "error" and event.error is not None:
        outcome.status, outcome.error, outcome.error_code = "error", explain(event.error), event.error.code


async def stream_answer(caller: Caller, request: ChatRequest, outcome: Outcome, on_delta: OnDelta) -> Outcome:
    """Fill `outcome` while streaming; on cancel it keeps the partial text and re-raises CancelledError."""
    started = time.monotonic()
    call: Call | None = None
    try:
        call = await _plan(caller, request)
        outcome.request_id = call.request_id
        session = await open_stream(caller, request, call)
        # aclosing: a cancel while we are sending a delta must still close (and settle) the stream now.
        async with aclosing(session.events()) as events:
            async for event in events:
                await _apply(event, outcome, on_delta, started)
    except HubError as exc:
        outcome.status, outcome.error, outcome.error_code = "error", explain(exc), exc.code
    except asyncio.CancelledError:
        outcome.status = "cancelled"
        raise
    finally:
        outcome.text = "".join(outcome.parts)
        outcome.latency_ms = int((time.monotonic() - started) * 1000)
        if call is not None:
            await _fill_metering(outcome, call)
    return outcome


async def _fill_metering(outcome: Outcome, call: Call) -> None:
    """Copy tokens, cost and the served model from the usage record the gateway settled."""
    if call.settled is not None:
        outcome.cost = call.settled.charged
        outcome.credits_remaining = call.settled.balance_after
    if call.served is not None:
        outcome.model = call.served.name
    record = await _record_of(call.request_id)
    if record is not None:
        outcome.prompt_tokens = record.prompt_tokens
        outcome.completion_tokens = record.completion_tokens
        outcome.model = record.model_served or outcome.model
