"""OpenTelemetry: each upstream call is a span with the GenAI semantic conventions' attributes."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from billing.models import UsageRecord
from tests.fake_upstream import Fail, Reply, Stall

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


def _finished(exporter, seconds: float = 10):
    """The finished spans, once there is one (the hub ends a cancelled request's span as it settles)."""
    deadline = time.monotonic() + seconds
    while not exporter.get_finished_spans() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # a second end, or a second span, would land by now
    return exporter.get_finished_spans()


def _ended_twice(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "ended span" in r.getMessage()]


def _chat(hub_url, alice, *, stream: bool) -> dict[str, Any]:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "count"}], "stream": stream}
    return {"url": f"{hub_url}/chat/completions", "json": body, "headers": {"Authorization": f"Bearer {alice.key}"}}


def test_a_stream_the_client_leaves_midway_ends_its_span_once_as_cancelled(spans, hub_url, upstream, alice, caplog):
    upstream.script("gpt-4o", Reply(chunks=[f" w{i}" for i in range(40)], chunk_delay=0.05, completion_tokens=40))
    with httpx.Client(timeout=10) as client, client.stream("POST", **_chat(hub_url, alice, stream=True)) as response:
        events = (line for line in response.iter_lines() if line.startswith("data: "))
        next(events), next(events), next(events)  # then the client leaves
    (span,) = _finished(spans)
    assert span.status.status_code == StatusCode.ERROR
    assert span.attributes["error.type"] == "client_disconnected"
    assert span.attributes["llmhub.request_id"] == response.headers["x-request-id"]
    assert UsageRecord.objects.get().status == "cancelled"
    assert _ended_twice(caplog) == []


def test_a_stream_the_client_leaves_before_the_upstream_answers_ends_its_span(spans, hub_url, upstream, alice, caplog):
    upstream.script("gpt-4o", Stall(3, then=Reply(text="too late")))
    with httpx.Client(timeout=httpx.Timeout(10, read=0.5)) as client, pytest.raises(httpx.ReadTimeout):
        client.post(**_chat(hub_url, alice, stream=True))  # the client gives up before the upstream answers
    (span,) = _finished(spans)
    assert span.status.status_code == StatusCode.ERROR
    assert span.attributes["error.type"] == "cancelled"
    assert span.attributes["llmhub.request_id"] == UsageRecord.objects.get().request_id
    assert _ended_twice(caplog) == []


def test_a_completion_the_client_leaves_ends_its_span(spans, hub_url, upstream, alice, caplog):
    upstream.script("gpt-4o", Stall(3, then=Reply(text="too late")))
    with httpx.Client(timeout=httpx.Timeout(10, read=0.5)) as client, pytest.raises(httpx.ReadTimeout):
        client.post(**_chat(hub_url, alice, stream=False))  # the client gives up before the upstream answers
    (span,) = _finished(spans)
    assert (span.status.status_code, span.attributes["error.type"]) == (StatusCode.ERROR, "cancelled")
    assert UsageRecord.objects.get().status == "cancelled"
    assert _ended_twice(caplog) == []


def test_a_failed_settlement_ends_the_span_once_as_settlement_failed(spans, alice, acme, caplog):
    import asyncio

    from billing.ledger import UsageDraft
    from billing.models import HubKey
    from llmhub.gateway import charging
    from llmhub.gateway.call import Call, Caller
    from llmhub.ops.tracing import tracer
    from llmhub.providers.base import ChatRequest

    key = HubKey.objects.get(user=alice.user)
    caller = Caller(user_id=alice.user.pk, team_id=key.team_id, key_id=key.pk)
    call = Call(caller=caller, request=ChatRequest(model="gpt-4o", messages=[]), chain=[])
    call.upstream_span = tracer().start_span("chat gpt-4o")
    # A negative count breaks the usage row's CHECK constraint: the first write fails, the second settles.
    draft = UsageDraft(
        request_id=call.request_id, user_id=alice.user.pk, team_id=key.team_id, key_id=key.pk,
        model_requested="gpt-4o", cost=Decimal("0.25"), status="ok", completion_tokens=10, reasoning_tokens=-1,
    )  # fmt: skip
    asyncio.run(charging.settle(call, draft))
    assert UsageRecord.objects.get().error_code == "settlement_failed"
    (span,) = _finished(spans)
    assert _ended_twice(caplog) == []
    assert (span.status.status_code, span.attributes["error.type"]) == (StatusCode.ERROR, "settlement_failed")


def test_tracing_is_off_by_default(monkeypatch):
    from llmhub.ops import tracing

    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.setattr(tracing, "_configured", False)
    assert tracing.tracer() is None
