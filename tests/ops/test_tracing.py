"""OpenTelemetry: each upstream call is a span with the GenAI semantic conventions' attributes."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from billing.models import UsageRecord
from tests.fake_upstream import Fail, Reply

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def spans():
    from llmhub.ops.tracing import use_tracer_provider

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    use_tracer_provider(provider)
    yield exporter
    use_tracer_provider(None)


def test_an_upstream_call_is_a_genai_span(spans, openai_client, upstream, alice):
    upstream.script("gpt-4o", Reply(text="hi", prompt_tokens=13, completion_tokens=4))
    openai_client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    (span,) = spans.get_finished_spans()
    assert span.name == "chat gpt-4o"
    assert span.attributes["gen_ai.operation.name"] == "chat"
    assert span.attributes["gen_ai.system"] == "aisa"
    assert span.attributes["gen_ai.request.model"] == "gpt-4o"
    assert span.attributes["gen_ai.response.model"] == "gpt-4o"
    assert (span.attributes["gen_ai.usage.input_tokens"], span.attributes["gen_ai.usage.output_tokens"]) == (13, 4)
    assert span.attributes["llmhub.request_id"] == UsageRecord.objects.get().request_id


def test_a_streamed_call_span_ends_with_the_streams_usage(spans, openai_client, upstream, alice):
    upstream.script("gpt-4o", Reply(text="one two", prompt_tokens=9, completion_tokens=2))
    list(
        openai_client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}], stream=True)
    )
    (span,) = spans.get_finished_spans()
    assert span.attributes["gen_ai.usage.output_tokens"] == 2


def test_a_failed_attempt_is_an_error_span(spans, openai_client, upstream, alice):
    upstream.script("gpt-4.1", Fail(500), Fail(500))
    openai_client.chat.completions.create(
        model="gpt-4.1", messages=[{"role": "user", "content": "x"}], extra_body={"models": ["gpt-4o"]}
    )
    failed = [s for s in spans.get_finished_spans() if s.status.status_code == StatusCode.ERROR]
    assert [s.attributes["error.type"] for s in failed] == ["upstream_error", "upstream_error"]
    assert len(spans.get_finished_spans()) == 3


def test_tracing_is_off_by_default(monkeypatch):
    from llmhub.ops import tracing

    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.setattr(tracing, "_configured", False)
    assert tracing.tracer() is None
