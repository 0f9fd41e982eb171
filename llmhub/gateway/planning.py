"""Before the upstream call: the model chain that can take the request, its worst-case hold, and the
response cache consulted first. `open_call` is the one prologue of completions and streams."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from billing import cache_generations
from billing.keys import check_model_allowed
from billing.ledger import HoldMeter
from billing.money import ZERO
from billing.refusal_wording import insufficient_credits_message
from llmhub.catalog import ModelSpec, asnapshot, cost_of, find_model, snapshot, worst_case_cost
from llmhub.errors import HubError, InsufficientCredits, InvalidRequest
from llmhub.gateway import auto_router, charging, response_cache, sweeper
from llmhub.gateway.call import Call, Caller, dropped_note
from llmhub.gateway.fitting import asked_cap, fitting_cap, with_cap
from llmhub.gateway.hosted_tools import HOSTED_CALL_PROMPT_TOKENS, hosted_call_allowance
from llmhub.gateway.tokens import MEDIA_PART_TOKENS_CEILING, PromptSize, measure
from llmhub.providers.base import ChatRequest, Usage
from llmhub.providers.registry import passes_through, takes_param


def max_output(request: ChatRequest, spec: ModelSpec) -> int:
    """The most output tokens the request can produce on `spec`: its cap (or the model's) times n."""
    asked = request.params.get("max_completion_tokens") or request.params.get("max_tokens")
    limit = int(asked) if asked else spec.max_output_tokens
    return limit * max(1, int(request.params.get("n") or 1))


def _plan_chain(request: ChatRequest, models: dict[str, ModelSpec], size: PromptSize) -> list[ModelSpec]:
    """The models to try, in order, keeping only those that can take this request."""
    names = [request.model, *request.fallbacks]
    specs: list[ModelSpec] = []
    for name in dict.fromkeys(names):
        specs.append(find_model(models, name))
    if not request.fallbacks:
        specs += [models[n] for n in specs[0].fallbacks if n in models and models[n] not in specs]
    has_images, prompt_estimate = size.images > 0, size.estimate
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
    sweeper.ensure_running()
    cache_generations.start_watching()  # other workers' key, budget and catalog changes reach this one
    snap = await asnapshot()
    tools = request.params.get("tools") or request.params.get("functions")
    native_body = request.native.body if request.native is not None else None
    size = measure(request.messages, tools, request.params, native_body)  # once: every estimate derives from it
    estimate = size.estimate
    auto = None
    if auto_router.is_auto(request.model):
        auto = await auto_router.resolve_auto(caller.team_id, request, snap.models, estimate)
    _provider_models(request, snap.models)
    chain_request = request if auto is None else dataclasses.replace(request, model=auto.model)
    chain = _allowed(_plan_chain(chain_request, snap.models, size), caller)
    call = Call(caller=caller, request=request, chain=chain)
    call.prompt_estimate, call.images = estimate, size.images
    if auto is not None:
        call.route, call.baseline = auto.route, auto.baseline
    # Measured before the hold: nothing may fail between admission and the answer.
    sent_ceiling = size.sent_ceiling  # worked out once: the hold prices it, and it bounds the reported prompt
    await _hold_credits(call, _held_prompt(call, size, sent_ceiling), size.images)
    call.prompt_ceiling = sent_ceiling  # the prompt bound adds the hosted calls the upstream reports it ran
    return call


def _held_prompt(call: Call, size: PromptSize, sent_ceiling: int) -> int:
    """The prompt tokens `call`'s hold prices: all that may be sent, and what each hosted tool call the request
    allows may add; notes on `call` the media share and the hosted calls, which the hold prices at their rates."""
    call.media_tokens = size.media * MEDIA_PART_TOKENS_CEILING
    call.hosted_calls = hosted_call_allowance(call.request)
    return sent_ceiling + call.hosted_calls * HOSTED_CALL_PROMPT_TOKENS


async def plan_for_chain(caller: Caller, request: ChatRequest, chain: list[ModelSpec], *, prompt_ceiling: int) -> Call:
    """`plan` for a request whose models are already chosen (embeddings): the key's allowlist, then its rate
    limits, the budgets and the credit hold, as for chat. `prompt_ceiling`: the input's upper token estimate."""
    sweeper.ensure_running()
    cache_generations.start_watching()
    call = Call(caller=caller, request=request, chain=_allowed(chain, caller))
    call.prompt_estimate = prompt_ceiling // 2
    await _hold_credits(call, prompt_ceiling, 0)
    return call


async def _hold_credits(call: Call, ceiling: int, images: int) -> None:
    """Admit `call` with its worst-case hold, lowering its output cap to fit the team's credits if need be."""
    call.prompt_ceiling = ceiling
    try:
        await _admit(call, _hold(call, ceiling, images), record_refusal=False)
    except InsufficientCredits as refused:
        await _admit_with_a_fitting_cap(call, refused, ceiling, images)
    except HubError as refused:
        await charging.record_refusal(call, refused)
        raise


def _provider_models(request: ChatRequest, models: dict[str, ModelSpec]) -> None:
    """The client's `models` list (kept as written in params) is the hub's fallback list when the hub knows
    every name in it. One naming a model the hub does not know is the upstream's own parameter (OpenRouter's
    list of its model ids): sent as written to an upstream that takes it, when one serves the model asked
    for; elsewhere an unknown name stays what it was, a model this hub does not have (404). Idempotent: the
    response cache's prologue and `plan` both call it."""
    written = request.params.get("models")
    if not isinstance(written, list):
        return
    unknown = [name for name in written if not _known(models, name)]
    if not unknown:
        del request.params["models"]  # the hub's own fallbacks, in request.fallbacks
        return
    first = None if auto_router.is_auto(request.model) else find_model(models, request.model)
    if first is None or not any(takes_param(t.provider.kind, "models") for t in first.targets):
        find_model(models, unknown[0])  # raises ModelNotFound
    request.fallbacks = []


def _known(models: dict[str, ModelSpec], name: str) -> bool:
    try:
        find_model(models, name)
    except HubError:
        return False
    return True


def _allowed(chain: list[ModelSpec], caller: Caller) -> list[ModelSpec]:
    """The chain without the models the key may not use; a refusal when it may not use the one asked for."""
    if not caller.allowed_models:
        return chain
    check_model_allowed(caller.allowed_models, chain[0].name)
    return [spec for spec in chain if spec.name in caller.allowed_models]


def service_tier(request: ChatRequest) -> str | None:
    """The OpenAI service tier the client asked for (priority, flex), which prices differently."""
    tier = request.params.get("service_tier")
    return tier if isinstance(tier, str) else None


def _hold(call: Call, prompt_tokens: int, images: int) -> Decimal:
    """The request's worst case: the most it can cost on any model of its chain, its media at their rate and the
    hosted tool calls it allows at their per-call price."""
    return max(
        worst_case_cost(
            prompt_tokens=prompt_tokens,
            max_output_tokens=max_output(call.request, s),
            images=images,
            prices=s.prices,
            service_tier=service_tier(call.request),
            media_tokens=call.media_tokens,
            hosted_calls=call.hosted_calls,
        )
        for s in call.chain
    )


async def _admit(call: Call, hold: Decimal, *, record_refusal: bool = True) -> None:
    caller = call.caller
    await charging.admit(
        team_id=caller.team_id,
        user_id=caller.user_id,
        key_id=caller.key_id,
        request_id=call.request_id,
        amount=hold,
        prompt_tokens=call.prompt_estimate,
        model=call.request.model,
        record_refusal=record_refusal,
        meter=_meter(call),
        output_tokens=max(max_output(call.request, s) for s in call.chain),
    )
    call.held = hold


async def _admit_with_a_fitting_cap(call: Call, refused: InsufficientCredits, prompt_tokens: int, images: int) -> None:
    """Run the request with a smaller output cap when the team's credits cover that; else refuse, naming the
    hold, the balance and how to lower it."""
    current = min(max_output(call.request, s) for s in call.chain)
    choices = max(1, int(call.request.params.get("n") or 1))
    cap = None
    if isinstance(refused.available, Decimal) and refused.code == "insufficient_credits":
        cap = fitting_cap(
            chain=call.chain,
            available=refused.available,
            prompt_tokens=prompt_tokens,
            images=images,
            choices=choices,
            current=current // choices,
            service_tier=service_tier(call.request),
            media_tokens=call.media_tokens,
            hosted_calls=call.hosted_calls,
        )
    if cap is None:
        if isinstance(refused.available, Decimal) and refused.code == "insufficient_credits":
            hold = _hold(call, prompt_tokens, images)
            refused = InsufficientCredits(
                insufficient_credits_message(hold=hold, available=refused.available, output_cap=current),
                available=refused.available,
                hold=hold,
            )
        await charging.record_refusal(call, refused)
        raise refused
    call.lowered_cap = (asked_cap(call.request), cap)
    call.request = with_cap(call.request, cap)
    await _admit(call, _hold(call, prompt_tokens, images))


def cheapest_fitting_model(request: ChatRequest, candidates: Iterable[str], room: Decimal) -> str | None:
    """The model among `candidates` on which `request` would be admitted with `room` dollars left (its worst-case
    hold fits, or does with the output cap lowered down to OUTPUT_CAP_FLOOR, as `plan` would), or None.

    Cheapest by what this prompt plus OUTPUT_CAP_FLOOR output tokens costs on the model (a short answer), then
    by name. A candidate that cannot take the request itself (images, context window, tools) is left out.
    Reads the catalog snapshot: call it off the event loop. The chat's "Use a cheaper model".
    """
    models = snapshot().models
    tools = request.params.get("tools") or request.params.get("functions")
    size = measure(request.messages, tools, request.params, None)
    choices = max(1, int(request.params.get("n") or 1))
    tier = service_tier(request)
    priced: list[tuple[Decimal, str]] = []
    for name in dict.fromkeys(candidates):
        if name not in models:
            continue
        on_it = dataclasses.replace(request, model=name, fallbacks=[])
        try:
            chain = _plan_chain(on_it, models, size)
        except HubError:
            continue
        if chain[0].name != name:
            continue
        call = Call(caller=Caller(user_id=0, team_id=0), request=on_it, chain=chain)
        prompt = _held_prompt(call, size, size.sent_ceiling)
        extras = {"media_tokens": call.media_tokens, "hosted_calls": call.hosted_calls}
        if _hold(call, prompt, size.images) > room:
            current = min(max_output(on_it, spec) for spec in chain)
            cap = fitting_cap(
                chain=chain, available=room, prompt_tokens=prompt, images=size.images, choices=choices,
                current=current // choices, service_tier=tier, **extras,
            )  # fmt: skip
            if cap is None:
                continue
        short = worst_case_cost(
            prompt_tokens=prompt, max_output_tokens=settings.OUTPUT_CAP_FLOOR, images=size.images,
            prices=chain[0].prices, service_tier=tier, **extras,
        )  # fmt: skip
        priced.append((short, name))
    return min(priced)[1] if priced else None


def _meter(call: Call) -> HoldMeter:
    """The metering facts written with the hold: the prompt priced at the first model of the chain."""
    first = call.chain[0]
    # As the first upstream would carry it: settlement writes what the serving one did.
    passes = bool(first.targets) and passes_through(first.targets[0], call.request)
    return HoldMeter(
        source=call.caller.source,
        model_requested=call.request.model,
        model_served=first.name,
        provider=first.targets[0].provider.name if first.targets else "",
        stream=call.request.stream,
        prompt_tokens=call.prompt_estimate,
        cost=cost_of(Usage(prompt_tokens=call.prompt_estimate, estimated=True), first.prices),
        client_tool=call.caller.client_tool,
        dropped=dropped_note(call.request, passthrough=passes),
    )


@dataclass
class OpenedCall:
    """A call ready for its upstream, or (`hit` set) already answered by the response cache and settled at $0."""

    call: Call
    hit: response_cache.CachedAnswer | None = None
    store_answer: bool = False  # whether the answer goes into the response cache afterwards


async def open_call(
    caller: Caller, request: ChatRequest, call: Call | None = None, *, cache: response_cache.CacheMode | None = None
) -> OpenedCall:
    """The prologue of every completion and stream: the response cache first (when the client's cache mode
    applies), else `plan` (unless the caller planned already)."""
    use_cache = call is None and cache is not None and cache.applies_to(request)
    if use_cache:
        _provider_models(request, (await asnapshot()).models)  # before the cache key is taken
        answer = await response_cache.lookup(caller.team_id, request)
        if answer is not None:
            return OpenedCall(await _settle_cache_hit(caller, request, answer), hit=answer)
    call = call or await plan(caller, request)
    if use_cache:
        call.cache_status = "miss"
    return OpenedCall(call, store_answer=use_cache)


async def _settle_cache_hit(caller: Caller, request: ChatRequest, answer: response_cache.CachedAnswer) -> Call:
    """Record a response-cache hit: one usage record marked cache_hit, a zero charge and no hold."""
    snap = await asnapshot()
    served = snap.models.get(answer.model)
    call = Call(caller=caller, request=request, chain=[served] if served else [], route=answer.route)
    call.served, call.cache_status = served, "hit"
    draft = charging.usage_draft(call, answer.usage, "ok")
    draft.model_served, draft.cost, draft.cache_hit = answer.model, ZERO, True
    await charging.settle(call, draft)
    return call
