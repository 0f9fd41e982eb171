"""The admin's "test" action: one tiny unbilled request to a model's first target or to a provider,
reporting the latency or the error."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from llmhub.catalog.snapshot import build_snapshot
from llmhub.errors import HubError
from llmhub.infra import http_client
from llmhub.providers.base import ChatRequest, Target
from llmhub.providers.registry import adapter_for, load_configured_providers

PROBE_TIMEOUT = 20.0


@dataclass(frozen=True)
class ProbeResult:
    subject: str
    ok: bool
    latency_ms: int
    detail: str

    def message(self) -> str:
        if self.ok:
            return f"{self.subject}: answered in {self.latency_ms} ms ({self.detail})"
        return f"{self.subject}: failed after {self.latency_ms} ms: {self.detail}"


def _ping(subject: str, target: Target) -> ProbeResult:
    request = ChatRequest(
        model=target.upstream_model, messages=[{"role": "user", "content": "Say OK."}], params={"max_tokens": 5}
    )

    async def call() -> str:
        try:
            completion = await asyncio.wait_for(
                adapter_for(target.provider.wire_format).complete(target, request), PROBE_TIMEOUT
            )
        finally:
            await http_client.close_client()
        return f"via {target.provider.name}:{target.upstream_model}, {completion.usage.total_tokens} tokens"

    started = time.monotonic()
    try:
        detail = asyncio.run(call())
    except (HubError, TimeoutError, OSError) as exc:
        return ProbeResult(subject, False, int((time.monotonic() - started) * 1000), str(exc) or type(exc).__name__)
    return ProbeResult(subject, True, int((time.monotonic() - started) * 1000), detail)


def probe_model(name: str) -> ProbeResult:
    """One tiny request to the model's first target (no credits are held or charged)."""
    spec = build_snapshot().models.get(name)
    if spec is None:
        return ProbeResult(name, False, 0, "not served: disabled, or no configured provider deploys it")
    return _ping(name, spec.targets[0])


def probe_provider(name: str) -> ProbeResult:
    """One tiny request to the provider, on the first model deployed there."""
    from llmhub.models import Deployment

    config = load_configured_providers().get(name)
    if config is None:
        return ProbeResult(name, False, 0, "not configured or disabled")
    deployment = Deployment.objects.filter(provider=name, enabled=True, model__enabled=True).first()
    if deployment is None:
        return ProbeResult(name, False, 0, "no enabled model is deployed on it yet")
    return _ping(name, Target(config, deployment.upstream_model))
