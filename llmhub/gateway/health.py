"""Health-aware routing across a model's deployments: order by priority then weight, skip a deployment whose
circuit is open or that an upstream 429 asked to wait, and a circuit breaker per deployment.

The breaker: closed while the error rate over BREAKER_WINDOW_SECONDS stays under BREAKER_ERROR_RATE (or fewer
than BREAKER_MIN_REQUESTS attempts were made); then open for BREAKER_COOLDOWN_SECONDS; then half-open, one
request (the probe) goes through: success closes the circuit, failure opens it for another cooldown.

Scoped: attempts and failures are also counted per team. When the failures that would open a circuit come
from one team while the other teams' attempts in the window succeed, the fault is that team's requests (an
upstream 5xx to a request it cannot serve), not the deployment: the circuit opens for that team alone, and
every other team keeps the model. An outage fails every team's attempts and opens it for all; a team alone
on a deployment opens it for all, as before.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any, TypeVar

from django.conf import settings

from llmhub.errors import HubError, UpstreamError, UpstreamRateLimited
from llmhub.gateway import health_store
from llmhub.gateway.health_store import PREFIX, HealthStore
from llmhub.providers.base import Target

log = logging.getLogger("llmhub.gateway")
BUCKETS = 6  # the window is counted in this many buckets
HISTORY = 20  # breaker transitions kept per deployment
RATE_LIMIT_COOLDOWN = 5.0  # seconds a 429 without Retry-After keeps a deployment aside
T = TypeVar("T")


def deployment_name(model: str, target: Target) -> str:
    return f"{model}@{target.provider.name}"


def ordered(targets: Sequence[Target]) -> list[Target]:
    """Lowest priority first; within a priority, a weighted shuffle (weight 0 is only tried last)."""
    if len(targets) == 1:
        return list(targets)
    result: list[Target] = []
    for _, group in groupby(sorted(targets, key=lambda t: t.priority), key=lambda t: t.priority):
        members = list(group)
        result += sorted(members, key=lambda t: -(random.random() ** (1.0 / t.weight)) if t.weight > 0 else 1.0)
    return result


@dataclass
class Gate:
    """Whether one deployment may be tried now, and as what: "closed" (normally) or "probe" (half-open)."""

    deployment: str
    state: str
    skip_reason: str = ""
    scope: str = ""  # the team whose attempt this is (the scoped breaker's unit)

    @property
    def skip(self) -> bool:
        return bool(self.skip_reason)


@functools.lru_cache(maxsize=4096)
def _keys(deployment: str) -> dict[str, str]:
    base = PREFIX + deployment
    return {"open": base + ":open", "cool": base + ":cool", "probe": base + ":probe", "history": base + ":history"}


def _scoped(deployment: str, scope: str) -> str:
    """The name a team's own counters and circuit have for a deployment."""
    return f"{deployment}#{scope}"


def _bucket_keys(deployment: str, now: float) -> tuple[list[str], list[str]]:
    width = settings.BREAKER_WINDOW_SECONDS / BUCKETS
    current = int(now // width)
    buckets = range(current - BUCKETS + 1, current + 1)
    return [f"{PREFIX}{deployment}:n:{b}" for b in buckets], [f"{PREFIX}{deployment}:e:{b}" for b in buckets]


def _current_bucket_key(deployment: str, now: float) -> str:
    return f"{PREFIX}{deployment}:n:{int(now // (settings.BREAKER_WINDOW_SECONDS / BUCKETS))}"


def _over(failures: int, attempts: int, minimum: int) -> bool:
    return attempts >= minimum and failures / attempts >= settings.BREAKER_ERROR_RATE


async def _using_store(operation: Callable[[HealthStore], Awaitable[T]]) -> T:
    """Run on the shared store; if Redis is unreachable, on this process's (routing must not fail with it)."""
    shared = health_store.store()
    try:
        return await operation(shared)
    except Exception:
        if isinstance(shared, health_store.LocalStore):
            raise
        log.warning("deployment health: Redis unavailable, using this process's", exc_info=True)
        return await operation(health_store.store_in_process())


async def admit(model: str, target: Target, scope: str = "") -> Gate:
    """May this deployment be tried now, for `scope` (the team asking)? At most one worker gets the probe."""
    deployment = deployment_name(model, target)
    return await _using_store(lambda store: _admit(store, deployment, scope))


async def _admit(store: HealthStore, deployment: str, scope: str) -> Gate:
    keys = _keys(deployment)
    scoped_open = _keys(_scoped(deployment, scope))["open"]
    open_until, cooling, team_open_until = await store.get_many([keys["open"], keys["cool"], scoped_open])
    if cooling is not None:
        return Gate(deployment, "closed", skip_reason="cooling_down", scope=scope)
    if team_open_until is not None and time.time() < float(team_open_until):
        return Gate(deployment, "open", skip_reason="circuit_open", scope=scope)
    if open_until is None:
        return Gate(deployment, "closed", scope=scope)
    if time.time() < float(open_until):
        return Gate(deployment, "open", skip_reason="circuit_open", scope=scope)
    if not await store.put(keys["probe"], "1", settings.BREAKER_COOLDOWN_SECONDS, only_new=True):
        return Gate(deployment, "half_open", skip_reason="probe_in_flight", scope=scope)
    await _transition(store, deployment, "half_open", "probe sent")
    return Gate(deployment, "probe", scope=scope)


async def outcome(gate: Gate, error: HubError | None) -> str:
    """Count an attempt's outcome; returns the breaker's decision ("" when nothing changed)."""
    return await _using_store(lambda store: _outcome(store, gate, error))


async def _outcome(store: HealthStore, gate: Gate, error: HubError | None) -> str:
    keys = _keys(gate.deployment)
    if isinstance(error, UpstreamRateLimited):
        # The upstream asked us to wait: skip it that long, without calling it sick.
        wait = error.retry_after if error.retry_after is not None else RATE_LIMIT_COOLDOWN
        await store.put(keys["cool"], str(time.time() + wait), wait)
        await _history(store, gate.deployment, "cooling_down", f"429, retry after {wait:g}s")
        return "cooling_down"
    failed = isinstance(error, UpstreamError) and error.retryable
    if error is not None and not failed:
        # The request was at fault, not the deployment: no verdict; a probe's turn goes to the next request.
        if gate.state == "probe":
            await store.delete(keys["probe"])
        return ""
    if gate.state == "probe":
        if failed:
            await _open(store, gate.deployment, f"probe failed: {error.code if error else ''}")
            await store.delete(keys["probe"])
            return "reopened"
        counted, errors = _bucket_keys(gate.deployment, time.time())
        await store.delete(keys["open"], keys["probe"], *counted, *errors)
        await _transition(store, gate.deployment, "closed", "probe succeeded")
        return "closed"
    ttl = settings.BREAKER_WINDOW_SECONDS * (1 + 1 / BUCKETS)
    now = time.time()
    team = _scoped(gate.deployment, gate.scope)
    if not failed:  # the common case: count it in the current buckets (all, and the team's), nothing to decide
        await store.count_many([_current_bucket_key(gate.deployment, now), _current_bucket_key(team, now)], ttl)
        return ""
    counted, errors = _bucket_keys(gate.deployment, now)
    team_counted, team_errors = _bucket_keys(team, now)
    await store.count_many([counted[-1], errors[-1], team_counted[-1], team_errors[-1]], ttl)
    values = [int(v or 0) for v in await store.get_many(counted + errors + team_counted + team_errors)]
    attempts, failures = sum(values[:BUCKETS]), sum(values[BUCKETS : 2 * BUCKETS])
    own_attempts, own_failures = sum(values[2 * BUCKETS : 3 * BUCKETS]), sum(values[3 * BUCKETS :])
    if not _over(failures, attempts, settings.BREAKER_MIN_REQUESTS):
        return ""
    assert error is not None
    others_attempts, others_failures = attempts - own_attempts, failures - own_failures
    if others_attempts and not _over(others_failures, others_attempts, 1):
        # The other teams' attempts succeed: this team's requests are what fails. Close the door to it alone.
        if not _over(own_failures, own_attempts, settings.BREAKER_MIN_REQUESTS):
            return ""
        why = f"{own_failures}/{own_attempts} of team {gate.scope}'s attempts failed, last {error.code}"
        if await _open(store, team, why, only_new=True):
            return "opened_for_team"
        return ""
    if await _open(store, gate.deployment, f"{failures}/{attempts} failed, last {error.code}", only_new=True):
        return "opened"
    return ""


async def _open(store: HealthStore, deployment: str, why: str, *, only_new: bool = False) -> bool:
    cooldown = settings.BREAKER_COOLDOWN_SECONDS
    # The key outlives the cooldown: past it, the deployment is half-open until a probe succeeds. A team's own
    # circuit (`deployment#team`) just expires with its cooldown.
    keep = cooldown if "#" in deployment else cooldown * 20
    if not await store.put(_keys(deployment)["open"], str(time.time() + cooldown), keep, only_new=only_new):
        return False
    await _transition(store, deployment, "open", why)
    return True


async def _transition(store: HealthStore, deployment: str, state: str, why: str) -> None:
    log.warning("circuit %s: %s (%s)", deployment, state, why)
    await _history(store, deployment, state, why)


async def _history(store: HealthStore, deployment: str, event: str, why: str) -> None:
    entry = json.dumps({"at": time.time(), "event": event, "why": why})
    await store.push(_keys(deployment)["history"], entry, HISTORY, 7 * 86400)


@dataclass(frozen=True)
class DeploymentHealth:
    """A deployment's breaker as the health page shows it."""

    deployment: str
    state: str  # closed, open, half_open, cooling_down
    open_until: float | None
    history: list[dict[str, Any]]


async def health_of(deployments: list[str]) -> list[DeploymentHealth]:
    """The breaker state and recent transitions of each deployment (for the health page)."""
    return await _using_store(lambda store: _health_of(store, deployments))


async def _health_of(store: HealthStore, deployments: list[str]) -> list[DeploymentHealth]:
    found = []
    now = time.time()
    for deployment in deployments:
        keys = _keys(deployment)
        open_until, cooling = await store.get_many([keys["open"], keys["cool"]])
        until = float(open_until) if open_until is not None else None
        state = _breaker_state(open_until, now)
        if cooling is not None:
            state, until = "cooling_down", float(cooling)
        history = [json.loads(item) for item in await store.items(keys["history"])]
        found.append(DeploymentHealth(deployment, state, until, history))
    return found


async def circuit_states(deployments: list[str]) -> dict[str, str]:
    """Each deployment's breaker as it stands now in the store (closed, open or half_open), in one read: the
    /metrics gauge, so a scrape never shows a state the store has since dropped (expiry, another worker)."""
    return await _using_store(lambda store: _circuit_states(store, deployments))


async def _circuit_states(store: HealthStore, deployments: list[str]) -> dict[str, str]:
    if not deployments:
        return {}
    values = await store.get_many([_keys(deployment)["open"] for deployment in deployments])
    now = time.time()
    return {deployment: _breaker_state(value, now) for deployment, value in zip(deployments, values, strict=True)}


def _breaker_state(open_until: str | None, now: float) -> str:
    if open_until is None:
        return "closed"
    return "open" if now < float(open_until) else "half_open"


async def record_test(deployment: str, why: str) -> None:
    """A staff test of the deployment, kept in its history beside the breaker's transitions."""
    await _using_store(lambda store: _history(store, deployment, "test", why))


def forget_health() -> None:
    """Every deployment closed again, its history forgotten (tests)."""
    health_store.clear()
