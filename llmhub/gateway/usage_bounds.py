"""Upstream usage held to what the request could have used: counts non-negative and within a database
integer, output at most the request's max output × n, the prompt at most the hub's own upper estimate of it
(× PROMPT_BOUND_FACTOR + PROMPT_BOUND_SLACK), and a reported cost kept only when it is finite and plausible.
A count cut down is flagged on the usage record; any charge above the hold is cut to it (charging.usage_draft)."""

from __future__ import annotations

from decimal import Decimal

from billing.money import to_usd
from llmhub.catalog import cost_of
from llmhub.catalog.pricing import DETAIL_OF
from llmhub.gateway.call import Call
from llmhub.gateway.charging import MAX_COUNT
from llmhub.gateway.hosted_tools import HOSTED_CALL_PROMPT_TOKENS, MAX_SERVER_TOOL_CALLS
from llmhub.gateway.planning import max_output
from llmhub.providers.base import Usage

# An upstream's own cost is kept (for the price-mismatch report) only within this factor of the hub's
# price for the same tokens, plus a cent: beyond that it is noise, not a price.
PLAUSIBLE_COST_FACTOR = 10
PLAUSIBLE_COST_SLACK = Decimal("0.01")
# The prompt an upstream may report: the hold's upper estimate (2 bytes a token, images at their ceiling) times
# this factor, plus this many tokens for what the upstream adds itself (chat templates, tool schemas it renders).
PROMPT_BOUND_FACTOR = 2
PROMPT_BOUND_SLACK = 1_000


def counts_valid(usage: Usage) -> bool:
    """Whether every count the upstream reported is a non-negative integer (else the hub counts itself)."""
    counts = (
        usage.prompt_tokens,
        usage.completion_tokens,
        usage.cached_tokens,
        usage.cache_write_tokens,
        usage.reasoning_tokens,
        *usage.token_details.values(),
        *usage.server_tool_requests.values(),
    )
    for n in counts:  # noqa: SIM110 - a loop, not all(genexpr): this runs on every answer
        if not (type(n) is int or isinstance(n, int)) or n < 0:
            return False
    return True


def bounded(call: Call, usage: Usage) -> Usage:
    """`usage` within what `call`'s request could use on the model that served it; `clamped` when cut."""
    spec = call.served
    if spec is None:
        return usage
    counts = [usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens, usage.cache_write_tokens,
              usage.reasoning_tokens]  # fmt: skip
    clamped = usage.clamped or any(n > MAX_COUNT for n in counts)
    prompt, completion, cached, writes, reasoning = [0 if n < 0 else MAX_COUNT if n > MAX_COUNT else n for n in counts]
    limit = min(max_output(call.request, spec), MAX_COUNT)
    if completion > limit:
        completion, clamped = limit, True
    calls = {tool: min(max(n, 0), MAX_SERVER_TOOL_CALLS) for tool, n in usage.server_tool_requests.items()}
    # Not cut at the catalog's context window (long-context tiers bill prompts beyond it), but at what the
    # hub measured the request to be, plus what the upstream's own hosted tool calls fed into the prompt.
    bound = prompt_bound(call, hosted_calls=sum(calls.values()))
    if prompt > bound:
        prompt, clamped = bound, True
    cached = min(cached, prompt)
    writes = min(writes, prompt - cached)
    details = _bounded_details(usage.token_details, prompt - cached - writes, cached, writes, completion)
    clamped = clamped or calls != usage.server_tool_requests or details != usage.token_details
    # A copy of `usage` (as dataclasses.replace makes, without a getattr per field: this runs on every answer).
    bounded_usage = Usage.__new__(Usage)
    bounded_usage.__dict__.update(usage.__dict__)
    bounded_usage.prompt_tokens, bounded_usage.completion_tokens = prompt, completion
    bounded_usage.cached_tokens, bounded_usage.cache_write_tokens = cached, writes
    bounded_usage.token_details, bounded_usage.reasoning_tokens = details, min(reasoning, completion)
    bounded_usage.server_tool_requests, bounded_usage.clamped = calls, clamped
    if bounded_usage.upstream_cost is not None:  # an upstream-reported cost is kept only if plausible
        bounded_usage.upstream_cost = _plausible_cost(bounded_usage, cost_of(bounded_usage, spec.prices))
    return bounded_usage


def _bounded_details(details: dict[str, int], plain: int, cached: int, writes: int, output: int) -> dict[str, int]:
    """Each token detail within the kind it is part of (all of a kind's details together, too)."""
    left = {"input": plain, "cached_input": cached, "cache_write": writes, "output": output}
    kept: dict[str, int] = {}
    for name, count in details.items():
        kind = DETAIL_OF.get(name)
        if kind is not None:
            kept[name] = min(count, left[kind])
            left[kind] -= kept[name]
    return kept


def prompt_bound(call: Call, *, hosted_calls: int = 0) -> int:
    """The most prompt tokens an upstream may report for `call`'s request (its own estimate, with margin), and
    for each hosted tool call the upstream ran (a web search's results are prompt tokens the hub never saw)."""
    bound = call.prompt_ceiling * PROMPT_BOUND_FACTOR + PROMPT_BOUND_SLACK + hosted_calls * HOSTED_CALL_PROMPT_TOKENS
    return min(bound, MAX_COUNT)


def _plausible_cost(usage: Usage, priced: Decimal) -> Decimal | None:
    cost = usage.upstream_cost
    if cost is None or not cost.is_finite() or cost < 0:
        return None
    if cost > priced * PLAUSIBLE_COST_FACTOR + PLAUSIBLE_COST_SLACK:
        return None
    return to_usd(cost)
