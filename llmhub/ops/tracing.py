"""OpenTelemetry traces of upstream calls, after the GenAI semantic conventions; off unless
OTEL_EXPORTER_OTLP_ENDPOINT is set (then spans go there over OTLP/HTTP, batched off the request path)."""

from __future__ import annotations

import asyncio
import os
from typing import Any
from urllib.parse import urlsplit

from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

from billing.ledger import UsageDraft
from llmhub.errors import HubError
from llmhub.providers.base import Target

_tracer: Tracer | None = None
_configured = False


def tracer() -> Tracer | None:
    """The hub's tracer, or None when tracing is off (the default)."""
    global _tracer, _configured
    if not _configured:
        _configured = True
        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor

            provider = TracerProvider(resource=Resource.create({"service.name": "llmhub"}))
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))  # reads the OTEL_* variables
            _tracer = provider.get_tracer("llmhub")
    return _tracer


def use_tracer_provider(provider: Any) -> None:
    """Send spans to this provider (tests: an in-memory exporter); None turns tracing off again."""
    global _tracer, _configured
    _tracer, _configured = (provider.get_tracer("llmhub") if provider is not None else None), True


def start_upstream(model: str, target: Target, request_id: str) -> Span | None:
    """A span for one upstream call; it ends when the call fails, or when the request settles."""
    current = tracer()
    if current is None:
        return None
    return current.start_span(
        f"chat {target.upstream_model}",
        kind=SpanKind.CLIENT,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.system": target.provider.name,
            "gen_ai.provider.name": target.provider.name,
            "gen_ai.request.model": target.upstream_model,
            "server.address": urlsplit(target.provider.base_url).hostname or "",
            "llmhub.model": model,
            "llmhub.request_id": request_id,
        },
    )


def failed(span: Span | None, error: HubError) -> None:
    if span is None:
        return
    span.set_attribute("error.type", error.code)
    span.set_status(Status(StatusCode.ERROR, error.code))
    span.end()


def abandoned(span: Span | None, exc: BaseException) -> None:
    """An upstream call that ended with neither an answer nor a hub error: cancelled (the client left, or the
    worker is shutting down) or an unexpected exception."""
    if span is None:
        return
    kind = "cancelled" if isinstance(exc, asyncio.CancelledError) else type(exc).__qualname__
    span.set_attribute("error.type", kind)
    span.set_status(Status(StatusCode.ERROR, kind))
    span.end()


def settled(span: Span | None, draft: UsageDraft, *, written: bool = True) -> None:
    """The serving call's span gets the usage the request settled with, and ends (as `settlement_failed` when
    the settlement's write failed)."""
    if span is None:
        return
    span.set_attribute("gen_ai.response.model", draft.model_served)
    span.set_attribute("gen_ai.usage.input_tokens", draft.prompt_tokens)
    span.set_attribute("gen_ai.usage.output_tokens", draft.completion_tokens)
    span.set_attribute("llmhub.cost_usd", str(draft.cost))
    error = (draft.error_code or draft.status) if draft.status != "ok" else ""
    if not written:
        error = "settlement_failed"
    if error:
        span.set_attribute("error.type", error)
        span.set_status(Status(StatusCode.ERROR, error))
    span.end()
