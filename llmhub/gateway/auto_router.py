"""Resolving `model: "auto"` (and `auto:<task>`): score the request, apply the team's policy, pick a model.

The gateway calls `resolve_auto` in `plan` before it builds the model chain; the decision travels on
`Call.route`, is stored on the usage record and returned in the `x-llmhub-route` header.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

from llmhub.catalog import ModelSpec
from llmhub.errors import InvalidRequest
from llmhub.gateway.route_scoring import (
    DEFAULT_BASELINE_MODEL,
    DEFAULT_TASK_ROUTES,
    DEFAULT_TIER_MODELS,
    TASKS,
    TIERS,
    choose_model,
    parse_auto_model,
    score_request,
)
from llmhub.gateway.tokens import count_images
from llmhub.infra.db_executor import run_db
from llmhub.models import RoutingPolicy
from llmhub.providers.base import ChatRequest


@dataclass(frozen=True)
class Policy:
    tier_models: dict[str, str]
    task_routes: dict[str, str]
    baseline_model: str


@dataclass(frozen=True)
class AutoRoute:
    """The model chosen for an auto request and the record of why (stored as the usage record's `route`)."""

    model: str
    baseline: ModelSpec | None
    route: dict[str, Any]


def is_auto(model: str) -> bool:
    return parse_auto_model(model)[0]


def policy_for_team(team_id: int) -> Policy:
    """The defaults overlaid with the team's RoutingPolicy row, if any. Sync."""
    row = RoutingPolicy.objects.filter(team_id=team_id).first()
    tier_models, task_routes = dict(DEFAULT_TIER_MODELS), dict(DEFAULT_TASK_ROUTES)
    baseline = DEFAULT_BASELINE_MODEL
    if row is not None:
        tier_models.update({k: v for k, v in (row.tier_models or {}).items() if k in TIERS and isinstance(v, str)})
        task_routes.update({k: v for k, v in (row.task_routes or {}).items() if k in TASKS and isinstance(v, str)})
        baseline = row.baseline_model or baseline
    return Policy(tier_models, task_routes, baseline)


class _Needs(TypedDict):
    """What a request needs of a model: `_capable`'s keyword arguments."""

    images: bool
    tools: bool
    prompt_estimate: int


def _capable(spec: ModelSpec, *, images: bool, tools: bool, prompt_estimate: int) -> bool:
    return (
        prompt_estimate <= spec.context_window
        and (not images or spec.supports_vision)
        and (not tools or spec.supports_tools)
    )


def _substitute(models: dict[str, ModelSpec], tier: str, **needs: Unpack[_Needs]) -> ModelSpec | None:
    """When the policy's model is missing or cannot take the request: the cheapest capable model for the fast
    tier, the dearest capable one (by output price, as a proxy for strength) for the others."""
    capable = [s for s in models.values() if _capable(s, **needs) and not s.prices.is_free]
    if not capable:
        return None
    by_price = sorted(capable, key=lambda s: (s.prices.output, s.prices.input, s.name))
    return by_price[0] if tier == "fast" else by_price[-1]


async def resolve_auto(
    team_id: int, request: ChatRequest, models: dict[str, ModelSpec], prompt_estimate: int
) -> AutoRoute:
    """Pick the catalog model for an auto request. Raises 400 for an unknown `auto:<task>`."""
    _, asked = parse_auto_model(request.model)
    if asked is not None and asked not in TASKS and asked not in TIERS:
        raise InvalidRequest(
            f"Unknown auto route '{request.model}'. Use 'auto', or auto:<task> with a task from "
            f"{', '.join(t for t in TASKS if t != 'general')}, or auto:<tier> with a tier from {', '.join(TIERS)}.",
            code="invalid_auto_route",
            param="model",
        )
    decision = score_request(request.messages, request.params)
    asked_task = None
    if asked in TIERS and asked not in DEFAULT_TASK_ROUTES:
        decision.tier = asked
        decision.cues.insert(0, f"asked for the {asked} tier")
    elif asked is not None:
        decision.task = asked_task = asked
        decision.cues.insert(0, f"asked for {asked}")
    policy = await run_db(policy_for_team, team_id)
    name = choose_model(decision, policy.tier_models, policy.task_routes, asked_task=asked_task)
    needs: _Needs = {
        "images": count_images(request.messages) > 0,
        "tools": bool(request.params.get("tools") or request.params.get("functions")),
        "prompt_estimate": prompt_estimate,
    }
    spec = models.get(name)
    if spec is None or not _capable(spec, **needs):
        substitute = _substitute(models, decision.tier, **needs)
        if substitute is not None:
            decision.cues.append(f"{name} unavailable or unable to take this request, using {substitute.name}")
            name = substitute.name
    route = {
        "tier": decision.tier,
        "task": decision.task,
        "model": name,
        "reason": decision.reason,
        "baseline_model": policy.baseline_model,
        "baseline_cost": None,
    }
    return AutoRoute(model=name, baseline=models.get(policy.baseline_model), route=route)
