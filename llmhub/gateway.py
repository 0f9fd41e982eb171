"""The one path by which a request reaches an upstream and gets billed.

plan the model chain → hold credits → call with retries and fallback → meter → settle. The HTTP API,
the native-format endpoints and the browser chat all call `complete` or `open_stream` here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from billing import admission, ledger
from billing.money import ZERO, cost_of, worst_case_cost
from llmhub import auto_router, response_cache
from llmhub.catalog import ModelSpec, asnapshot, find_model
from llmhub.db_executor import run_db_write
from llmhub.errors import HubError, InvalidRequest, UpstreamError
from llmhub.providers.base import ChatRequest, Completion, Target, Usage
from llmhub.providers.registry import adapter_for
from llmhub.retry_policy import backoff_delay
from llmhub.tokens import count_images, prompt_tokens_ceiling, prompt_tokens_estimate, text_tokens_estimate

log = logging.getLogger("llmhub.gateway")

# Settlement tasks are kept referenced until done, so a cancelled request still settles.
_background: set[asyncio.Future[Any]] = set()


@dataclass(frozen=True)
class Caller:
    """Who pays: the user, the team charged and the key used (None for the browser chat)."""

    user_id: int
    team_id: int
    key_id: int | None = None
    source: str = "api"


@dataclass
class Call:
    """The state of one request on its way through the gateway."""

    caller: Caller
    request: ChatRequest
    chain: list[ModelSpec]
    request_id: str = field(default_factory=lambda: "req_" + uuid.uuid4().hex)
    started: float = field(default_factory=time.monotonic)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    prompt_estimate: int = 0
    route: dict[str, Any] | None = None
    served: ModelSpec | None = None
    target: Target | None = None
    settled: ledger.Settlement | None = None
    baseline: ModelSpec | None = None  # what an auto-routed request is measured against
    cache_status: str | None = None  # "hit" or "miss" when the response cache was consulted

    def headers(self) -> dict[str, str]:
        headers = {"x-request-id": self.request_id}
        if self.served is not None:
            headers["x-llmhub-model"] = self.served.name
        if self.route is not None:
            headers["x-llmhub-route"] = json.dumps(self.route, ensure_ascii=True, separators=(",", ":"))
        if self.cache_status is not None:
            headers["x-llmhub-cache"] = self.cache_status
        if self.settled is not None:
            # For clients whose SDK drops unknown body fields (google-genai): cost and credits as headers too.
            headers["x-llmhub-cost"] = str(self.settled.charged)
            headers["x-llmhub-credits-remaining"] = str(self.settled.balance_after)
        return headers


@dataclass
class Result:
    body: dict[str, Any]
    call: Call


def _max_output(request: ChatRequest, spec: ModelSpec) -> int:
    asked = request.params.get("max_completion_tokens") or request.params.get("max_tokens")
    limit = int(asked) if asked else spec.max_output_tokens
    return limit * max(1, int(request.params.get("n") or 1))


def _plan_chain(request: ChatRequest, models: dict[str, ModelSpec], prompt_estimate: int) -> list[ModelSpec]:
    """The models to try, in order, keeping only those that can take this request."""
    names = [request.model, *request.fallbacks]
    specs: list[ModelSpec] = []
    for name in dict.fromkeys(names):
        specs.append(find_model(models, name))
    if not request.fallbacks:
        specs += [models[n] for n in specs[0].fallbacks if n in models and models[n] not in specs]
    has_images = count_images(request.messages) > 0
    fitting = [
        s
        for s in specs
        if prompt_estimate <= s.context_window
        and (not has_images or s.supports_vision)
        and (not (request.params.get("tools") or request.params.get("functions")) or s.supports_tools)
    ]
    if fitting:
        return fitting
    first = specs[0]
    if has_images and not first.supports_vision:
        raise InvalidRequest(
            f"Model '{first.name}' cannot read images; choose a vision model such as gpt-4o.",
            code="model_not_vision_capable",
            param="messages",
        )
    if prompt_estimate > first.context_window:
        raise InvalidRequest(
            f"This request is about {prompt_estimate} tokens, more than the {first.context_window}-token "
            f"context window of '{first.name}'. Shorten the conversation or choose a larger model.",
            code="context_length_exceeded",
            param="messages",
        )
    raise InvalidRequest(f"Model '{first.name}' does not support tools.", code="tools_not_supported", param="tools")


async def plan(caller: Caller, request: ChatRequest) -> Call:
    """Resolve the model chain and hold the worst-case cost. Raises 400/402/404/429 before any upstream call."""
    snap = await asnapshot()
    tools = request.params.get("tools") or request.params.get("functions")
    estimate = prompt_tokens_estimate(request.messages, tools)
    auto = None
    if auto_router.is_auto(request.model):
        auto = await auto_router.resolve_auto(caller.team_id, request, snap.models, estimate)
    chain_request = request if auto is None else dataclasses.replace(request, model=auto.model)
    call = Call(caller=caller, request=request, chain=_plan_chain(chain_request, snap.models, estimate))
    call.prompt_estimate = estimate
    if auto is not None:
        call.route, call.baseline = auto.route, auto.baseline
    ceiling = prompt_tokens_ceiling(request.messages, tools)
    images = count_images(request.messages)
    hold = max(
        worst_case_cost(
            prompt_tokens=ceiling, max_output_tokens=_max_output(request, s), images=images, prices=s.prices
        )
        for s in call.chain
    )
    await admission.admit(
        team_id=caller.team_id,
        user_id=caller.user_id,
        key_id=caller.key_id,
        request_id=call.request_id,
        amount=hold,
        prompt_tokens=estimate,
    )
    return call


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


async def _with_fallback(call: Call, attempt_fn: Any) -> Any:
    """Run attempt_fn(spec, target) over the chain with retries; return the first success."""
    from django.conf import settings

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


def _draft(
    call: Call, usage: Usage, status: str, error_code: str = "", ttft_ms: int | None = None
) -> ledger.UsageDraft:
    spec = call.served
    cost = cost_of(usage, spec.prices) if spec is not None else ZERO
    if call.route is not None and call.baseline is not None and call.cache_status != "hit":
        # Savings = baseline_cost - cost: the same tokens priced at the model the client would otherwise use.
        call.route["baseline_cost"] = str(cost_of(usage, call.baseline.prices))
    return ledger.UsageDraft(
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


async def settle(call: Call, draft: ledger.UsageDraft) -> ledger.Settlement:
    """Write the usage record and charge, shielded so a cancelled request still settles exactly once."""
    if call.settled is not None:
        return call.settled
    task = asyncio.ensure_future(run_db_write(admission.settle_request, draft, order=draft.team_id))
    _background.add(task)
    task.add_done_callback(_background.discard)
    call.settled = await asyncio.shield(task)
    return call.settled


def usage_json(usage: Usage, settlement: ledger.Settlement) -> dict[str, Any]:
    body: dict[str, Any] = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "cost": settlement.charged,
        "credits_remaining": settlement.balance_after,
    }
    if usage.cached_tokens or usage.cache_write_tokens:
        body["prompt_tokens_details"] = {"cached_tokens": usage.cached_tokens}
        if usage.cache_write_tokens:
            body["prompt_tokens_details"]["cache_write_tokens"] = usage.cache_write_tokens
    if usage.reasoning_tokens:
        body["completion_tokens_details"] = {"reasoning_tokens": usage.reasoning_tokens}
    return body


def _completion_usage(call: Call, completion: Completion) -> Usage:
    usage = completion.usage
    usage.images = count_images(call.request.messages)
    if usage.estimated or not usage.total_tokens:
        text = "".join(str((c.get("message") or {}).get("content") or "") for c in completion.body.get("choices", []))
        usage.prompt_tokens = call.prompt_estimate
        usage.completion_tokens = text_tokens_estimate(len(text.encode()))
        usage.estimated = True
    return usage


async def settle_cache_hit(caller: Caller, request: ChatRequest, answer: response_cache.CachedAnswer) -> Call:
    """Record a response-cache hit: one usage record marked cache_hit, a zero charge and no hold."""
    snap = await asnapshot()
    served = snap.models.get(answer.model)
    call = Call(caller=caller, request=request, chain=[served] if served else [], route=answer.route)
    call.served, call.cache_status = served, "hit"
    draft = _draft(call, answer.usage, "ok")
    draft.model_served, draft.cost, draft.cache_hit = answer.model, ZERO, True
    await settle(call, draft)
    return call


async def complete(
    caller: Caller, request: ChatRequest, call: Call | None = None, *, cache: response_cache.CacheMode | None = None
) -> Result:
    """A non-streaming completion, charged and returned in OpenAI form with cost and credits.

    With `cache` (the client's cache mode), an identical earlier answer is returned at zero cost.
    """
    use_cache = call is None and cache is not None and cache.applies_to(request)
    if use_cache:
        answer = await response_cache.lookup(caller.team_id, request)
        if answer is not None:
            hit = await settle_cache_hit(caller, request, answer)
            assert hit.settled is not None
            body = {**answer.body, "model": answer.model, "usage": usage_json(answer.usage, hit.settled)}
            return Result(body=body, call=hit)
    call = call or await plan(caller, request)
    if use_cache:
        call.cache_status = "miss"
    try:
        completion: Completion = await _with_fallback(
            call, lambda spec, target: adapter_for(target.provider.wire_format).complete(target, request)
        )
    except BaseException as exc:
        code = exc.code if isinstance(exc, HubError) else "cancelled"
        status = "cancelled" if isinstance(exc, asyncio.CancelledError) else "error"
        await settle(call, _draft(call, Usage(), status, code))
        if isinstance(exc, HubError):
            exc.request_id = call.request_id
        raise
    usage = _completion_usage(call, completion)
    settlement = await settle(call, _draft(call, usage, "ok"))
    body = dict(completion.body)
    assert call.served is not None
    body["model"] = call.served.name
    body["usage"] = usage_json(usage, settlement)
    if use_cache:
        await response_cache.store(caller.team_id, request, body, usage, call.served.name, call.route)
    return Result(body=body, call=call)
