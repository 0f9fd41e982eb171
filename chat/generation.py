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
from django.utils.translation import ngettext

from billing.access import require_spender
from billing.display import exact_amount
from chat.provider_failures import explain_upstream, fallback_record
from chat.refusal_view import refusal_for
from llmhub.errors import HubError
from llmhub.gateway import Call, Caller, StreamEvent, open_stream, plan
from llmhub.infra.db_executor import run_db
from llmhub.providers.base import ChatRequest
from llmhub.scope_language import in_current_language

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
    route: dict[str, Any] | None = None  # an auto-routed answer: the router's decision (Call.route)
    fallback: dict[str, Any] | None = None  # served by a later model of the chain: which one failed, and why
    notice: str = ""  # how the gateway ran it, e.g. with a lowered output cap so it fits the team's credits
    refusal: dict[str, Any] | None = None  # a 402/429 before it ran, for the page's words and buttons
    sources: list[dict[str, Any]] | None = None  # passages of searched documents sent with the question

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "error": self.error,
            "model": self.model,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost": exact_amount(self.cost),
            "request_id": self.request_id,
            "credits_remaining": None if self.credits_remaining is None else str(self.credits_remaining),
            "latency_ms": self.latency_ms,
            "ttft_ms": self.ttft_ms,
            "notice": self.notice,
            "refusal": self.refusal,
        }


def explain(exc: HubError) -> str:
    """A human message with what to do next, for errors shown in the conversation."""
    if exc.status == 402:
        # Names the real cause: the budget or member cap and when it resets, or the hold, the balance and how
        # to lower the hold (Max tokens in the conversation's settings).
        return exc.message
    if exc.status == 429:
        if exc.retry_after:
            seconds = max(1, math.ceil(float(exc.retry_after)))  # rounded up: never retry too early
            return ngettext(
                "Too many requests right now. Wait about %(seconds)s second, then press Regenerate.",
                "Too many requests right now. Wait about %(seconds)s seconds, then press Regenerate.",
                seconds,
            ) % {"seconds": seconds}
        return _("Too many requests right now. Wait a moment, then press Regenerate.")
    if exc.status in (502, 503, 504):
        return explain_upstream(exc)
    return exc.message


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


async def stream_answer(
    caller: Caller,
    request: ChatRequest,
    outcome: Outcome,
    on_delta: OnDelta,
    before: Callable[[], Awaitable[None]] | None = None,
) -> Outcome:
    """Fill `outcome` while streaming; on cancel it keeps the partial text and re-raises CancelledError.
    `before`: work that may change the request once the caller may spend (a document search), its errors shown
    as the answer's."""
    started = time.monotonic()
    call: Call | None = None
    try:
        # Each answer, on every worker: a member removed from the team, or an account switched off, stops here.
        await run_db(in_current_language(require_spender), user_id=caller.user_id, team_id=caller.team_id)
        if before is not None:
            await before()
        call = await plan(caller, request)  # planned first: the answer knows its request id while it streams
        outcome.request_id = call.request_id
        session = await open_stream(caller, request, call)
        # aclosing: a cancel while we are sending a delta must still close (and settle) the stream now.
        async with aclosing(session.events()) as events:
            async for event in events:
                await _apply(event, outcome, on_delta, started)
    except HubError as exc:
        outcome.status, outcome.error, outcome.error_code = "error", explain(exc), exc.code
        if exc.status == 402:
            outcome.refusal = await run_db(
                in_current_language(refusal_for), exc, team_id=caller.team_id, request=request
            )
            if outcome.refusal is not None:
                outcome.error = outcome.refusal["words"]  # the plain words, also where the page is read again
        elif exc.status == 429:
            wait = max(1, math.ceil(float(exc.retry_after))) if exc.retry_after else None
            outcome.refusal = {"code": "rate_limited", "words": outcome.error, "retry_after": wait}
    except asyncio.CancelledError:
        outcome.status = "cancelled"
        raise
    finally:
        outcome.text = "".join(outcome.parts)
        outcome.latency_ms = int((time.monotonic() - started) * 1000)
        if call is not None:
            _fill_metering(outcome, call)
    return outcome


def _fill_metering(outcome: Outcome, call: Call) -> None:
    """Copy tokens, cost and the served model from the gateway's settlement."""
    if call.served is not None:
        outcome.model = call.served.name
    if call.settled is not None:
        outcome.cost = call.settled.charged
        outcome.credits_remaining = call.settled.balance_after
        outcome.prompt_tokens = call.settled.prompt_tokens
        outcome.completion_tokens = call.settled.completion_tokens
    outcome.route = call.route
    if call.served is not None and call.chain:
        outcome.fallback = fallback_record(call.attempts, call.chain[0].name, call.served.name)
    outcome.notice = call.notice or ""
