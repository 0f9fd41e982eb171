"""The health page's test button: one tiny completion sent straight to a deployment, outside billing."""

from __future__ import annotations

import time
from dataclasses import dataclass

from llmhub.catalog import snapshot
from llmhub.errors import HubError
from llmhub.gateway import record_test
from llmhub.providers.base import ChatRequest, Target
from llmhub.providers.registry import adapter_for

PING = [{"role": "user", "content": "Reply with the word ok."}]


@dataclass(frozen=True)
class TrialOutcome:
    deployment: str
    ok: bool
    ms: int
    code: str = ""


def find_target(deployment: str) -> Target | None:
    """The catalog's target for "<model>@<provider>", or None. Sync."""
    model, _, provider = deployment.rpartition("@")
    spec = snapshot().models.get(model)
    if spec is None:
        return None
    return next((t for t in spec.targets if t.provider.name == provider), None)


async def try_deployment(deployment: str, target: Target) -> TrialOutcome:
    """Call the deployment once (max 1 token); the outcome joins its breaker history, not its error rate."""
    request = ChatRequest(model=target.upstream_model, messages=PING, params={"max_tokens": 1})
    started = time.monotonic()
    try:
        await adapter_for(target.provider.wire_format).complete(target, request)
    except HubError as exc:
        outcome = TrialOutcome(deployment, False, int((time.monotonic() - started) * 1000), exc.code)
    else:
        outcome = TrialOutcome(deployment, True, int((time.monotonic() - started) * 1000))
    await record_test(deployment, f"test {'ok' if outcome.ok else 'failed: ' + outcome.code} in {outcome.ms} ms")
    return outcome
