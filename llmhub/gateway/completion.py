"""A non-streaming completion through the gateway: open the call, try the chain, meter, settle, answer."""

from __future__ import annotations

from llmhub.gateway import charging, response_cache
from llmhub.gateway.call import Call, Caller, Result
from llmhub.gateway.fallback import with_fallback
from llmhub.gateway.metering import completion_usage, usage_json
from llmhub.gateway.planning import open_call
from llmhub.providers.base import ChatRequest, Completion, Target
from llmhub.providers.registry import adapter_for_call, passes_through


async def complete(
    caller: Caller, request: ChatRequest, call: Call | None = None, *, cache: response_cache.CacheMode | None = None
) -> Result:
    """A non-streaming completion, charged and returned in OpenAI form with cost and credits.

    With `cache` (the client's cache mode), an identical earlier answer is returned at zero cost.
    """
    opened = await open_call(caller, request, call, cache=cache)
    call = opened.call
    if opened.hit is not None:
        assert call.settled is not None
        body = {**opened.hit.body, "model": opened.hit.model, "usage": usage_json(opened.hit.usage, call.settled)}
        return Result(body=body, call=call)
    async with charging.settled_on_failure(call, cancelled_code="cancelled"):
        completion = await with_fallback(call, lambda spec, target: _attempt(call, target))
    usage = completion_usage(call, completion)
    settlement = await charging.settle(call, charging.usage_draft(call, usage, "ok"))
    assert call.served is not None
    body = {**completion.body, "model": call.served.name, "usage": usage_json(usage, settlement)}
    if opened.store_answer and completion.native is None:
        await response_cache.store(caller.team_id, request, body, usage, call.served.name, call.route)
    return Result(body=body, call=call, native=completion.native)


async def _attempt(call: Call, target: Target) -> Completion:
    """One deployment's answer: the client's body passed through when the upstream speaks its format."""
    call.passthrough = passes_through(target, call.request)
    return await adapter_for_call(target, call.request).complete(target, call.request)
