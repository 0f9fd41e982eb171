"""Each deployment's health over a window, from the usage records: success rate and the time each attempt took
to the upstream's response headers (its `attempts`), time to first token of streams (`ttft_ms`) and the full
duration of answered requests (`latency_ms`, until the last byte), the last errors (codes and request ids only:
no upstream text reaches the page)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from billing.models import UsageRecord
from llmhub.catalog import snapshot

RECORDS_READ = 5000  # the most recent records of the window that are looked at
ERRORS_SHOWN = 5


@dataclass(frozen=True)
class AttemptError:
    at: dt.datetime
    code: str
    request_id: str


@dataclass
class DeploymentStats:
    deployment: str  # "<model>@<provider>", as the breaker names it
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    latencies_ms: list[int] = field(default_factory=list)  # to the response headers: a stream's has just begun
    ttfts_ms: list[int] = field(default_factory=list)  # streams only: to the first token of the answer
    durations_ms: list[int] = field(default_factory=list)  # answered requests, start to the last byte
    errors: list[AttemptError] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return self.ok + self.failed

    @property
    def success_rate(self) -> float | None:
        return self.ok / self.attempts if self.attempts else None

    @property
    def latency_p50(self) -> int | None:
        return percentile(self.latencies_ms, 0.50)

    @property
    def latency_p95(self) -> int | None:
        return percentile(self.latencies_ms, 0.95)

    @property
    def ttft_p50(self) -> int | None:
        return percentile(self.ttfts_ms, 0.50)

    @property
    def ttft_p95(self) -> int | None:
        return percentile(self.ttfts_ms, 0.95)

    @property
    def duration_p50(self) -> int | None:
        return percentile(self.durations_ms, 0.50)

    @property
    def duration_p95(self) -> int | None:
        return percentile(self.durations_ms, 0.95)


def percentile(values: list[int], q: float) -> int | None:
    """The nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.999999) - 1))]


def configured_deployments() -> list[str]:
    """Every deployment the catalog routes to now, in the catalog's order. Sync."""
    return [f"{spec.name}@{target.provider.name}" for spec in snapshot().models.values() for target in spec.targets]


def deployment_stats(*, hours: int) -> list[DeploymentStats]:
    """Configured deployments first (even without traffic), then any others seen in the window. Sync."""
    stats = {name: DeploymentStats(name) for name in configured_deployments()}
    since = timezone.now() - dt.timedelta(hours=hours)
    records = (
        UsageRecord.objects.filter(created_at__gte=since)
        .order_by("-created_at")
        .values_list(
            "request_id", "created_at", "attempts", "model_served", "provider", "ttft_ms", "latency_ms", "status"
        )[:RECORDS_READ]
    )
    for request_id, created_at, attempts, model_served, provider, ttft_ms, latency_ms, status in records:
        for attempt in attempts or []:
            name = f"{attempt.get('model', '')}@{attempt.get('provider', '')}"
            entry = stats.setdefault(name, DeploymentStats(name))
            outcome = attempt.get("status")
            if outcome == "ok":
                entry.ok += 1
                entry.latencies_ms.append(int(attempt.get("ms", 0)))
            elif outcome == "error":
                entry.failed += 1
                if len(entry.errors) < ERRORS_SHOWN:
                    entry.errors.append(AttemptError(created_at, str(attempt.get("code", "")), request_id))
            elif outcome == "skipped":
                entry.skipped += 1
        if not model_served:
            continue
        served = stats.setdefault(f"{model_served}@{provider}", DeploymentStats(f"{model_served}@{provider}"))
        if ttft_ms is not None:
            served.ttfts_ms.append(ttft_ms)
        if status == UsageRecord.OK:
            served.durations_ms.append(latency_ms)
    return list(stats.values())
