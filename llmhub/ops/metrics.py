"""The hub's Prometheus metrics, recorded at one place (a request's settlement) and exposed at /metrics.

With PROMETHEUS_MULTIPROC_DIR set (several uvicorn workers), prometheus-client keeps each worker's values
in that directory and a scrape adds them up; it must be set before the first import of this module.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from opentelemetry.trace import Span
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from billing.ledger import UsageDraft
from llmhub.ops import tracing
from llmhub.ops.request_log import log_settlement

SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
CIRCUIT_STATES = {"closed": 0, "half_open": 1, "open": 2}

# The client-facing endpoint of the request in progress (the chat has none: its source names it).
endpoint: contextvars.ContextVar[str] = contextvars.ContextVar("llmhub_endpoint", default="")

REQUESTS = Counter("llmhub_requests", "Requests settled", ["endpoint", "model", "provider", "status"])
REQUEST_SECONDS = Histogram(
    "llmhub_request_duration_seconds", "Whole request, admission to settlement", ["model"], buckets=SECONDS
)
TTFT_SECONDS = Histogram(
    "llmhub_time_to_first_token_seconds", "Time to the first streamed token", ["model"], buckets=SECONDS
)
UPSTREAM_SECONDS = Histogram("llmhub_upstream_duration_seconds", "One upstream attempt", ["provider"], buckets=SECONDS)
TOKENS = Counter("llmhub_tokens", "Tokens settled", ["model", "direction"])
COST = Counter("llmhub_cost_usd", "Cost charged to teams, USD", ["team", "model"])
UPSTREAM_ERRORS = Counter("llmhub_upstream_errors", "Failed upstream attempts", ["provider", "code"])


def endpoint_label(path: str) -> str:
    """A /v1 path as a metric label: the Gemini model id in the path is replaced, keeping labels few."""
    if path.startswith(("/v1/models/", "/v1beta/models/")) and ":" in path:
        prefix, _, method = path.rpartition(":")
        return prefix[: prefix.index("/models/")] + "/models/{model}:" + method
    return path


_children: dict[tuple[Any, tuple[str, ...]], Any] = {}


def _child(metric: Any, *labels: str) -> Any:
    """`metric.labels(*labels)`, looked up once: prometheus-client checks the labels on every call."""
    key = (metric, labels)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metric.labels(*labels)
    return child


def record_settlement(draft: UsageDraft) -> None:
    """Everything the metrics know about a request, from the usage record it settled as."""
    model = draft.model_served or draft.model_requested
    _child(REQUESTS, endpoint.get() or draft.source, model, draft.provider, draft.status).inc()
    _child(REQUEST_SECONDS, model).observe(draft.latency_ms / 1000)
    if draft.ttft_ms is not None:
        _child(TTFT_SECONDS, model).observe(draft.ttft_ms / 1000)
    _child(TOKENS, model, "input").inc(draft.prompt_tokens)
    _child(TOKENS, model, "output").inc(draft.completion_tokens)
    if draft.cost:
        _child(COST, str(draft.team_id), model).inc(float(draft.cost))
    for attempt in draft.attempts:
        if attempt.get("status") == "skipped":  # a deployment the breaker kept aside was not called
            continue
        provider = str(attempt.get("provider", ""))
        _child(UPSTREAM_SECONDS, provider).observe(int(attempt.get("ms", 0)) / 1000)
        if attempt.get("status") == "error":
            _child(UPSTREAM_ERRORS, provider, str(attempt.get("code", ""))).inc()


def record_when_settled(settlement: asyncio.Future[Any], draft: UsageDraft, span: Span | None = None) -> None:
    """Record (metrics, the request's log line, its trace span) the draft once its settlement is written (even when the request that awaits it is cancelled)."""

    def settled(done: asyncio.Future[Any]) -> None:
        written = not done.cancelled() and done.exception() is None
        tracing.settled(span, draft, written=written)
        if written:
            if settings.METRICS_ENABLED:
                record_settlement(draft)
            log_settlement(draft)

    settlement.add_done_callback(settled)


class ScrapeTimeGauge:
    """A gauge read when scraped (e.g. open credit holds, from the database), so it is right across workers."""

    def __init__(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        self.name, self.documentation, self.read = name, documentation, read

    def collect(self) -> Iterable[Metric]:
        yield GaugeMetricFamily(self.name, self.documentation, value=self.read())


class CircuitGauge:
    """`llmhub_circuit_state` per deployment, from the breakers' states read at the scrape (not kept in this
    process: the breaker lives in the shared store, and its state changes by expiry and in other workers)."""

    def __init__(self, states: dict[str, str]) -> None:
        self.states = states

    def collect(self) -> Iterable[Metric]:
        gauge = GaugeMetricFamily(
            "llmhub_circuit_state",
            "Circuit breaker per deployment: 0 closed, 1 half-open, 2 open",
            labels=["deployment"],
        )
        for deployment, state in self.states.items():
            gauge.add_metric([deployment], CIRCUIT_STATES[state])
        return [gauge]


def exposition(extra: Iterable[Any] = ()) -> bytes:
    """The text a scrape gets. Sync: scrape-time gauges may query the database."""
    multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    registry = REGISTRY  # this process's metrics, with the process and platform basics
    if multiproc_dir:  # every worker's (process basics are per process, so they are left out)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=multiproc_dir)  # type: ignore[no-untyped-call]
    scrape = CollectorRegistry()
    for collector in extra:
        scrape.register(collector)
    return generate_latest(registry) + generate_latest(scrape)
