"""The provider contract: every kind in registry.KINDS, through the adapter of each wire format it speaks
natively, reads the answers its providers really send (recorded shapes, served by a loopback upstream) as
the same canonical Completion and Usage: JSON answers, streams, errors, thinking, hosted tools, cache reads
and writes.

A kind added to KINDS runs the cases of every format it speaks (and its own, in KIND_CASES) without touching
this file; a wire format added to registry.WIRE_ADAPTERS fails `test_every_wire_format_has_cases` until it
has some."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from llmhub.errors import HubError, InvalidRequest, UpstreamError, UpstreamRateLimited, UpstreamUnavailable
from llmhub.infra import http_client
from llmhub.providers.base import ChatRequest, Completion, ProviderConfig, Target, Usage
from llmhub.providers.registry import KINDS, WIRE_ADAPTERS, adapter_for, kinds
from tests.fake_upstream import FakeUpstream, Recorded
from tests.providers import recorded_anthropic as claude
from tests.providers import recorded_gemini as gemini
from tests.providers import recorded_openai as openai
from tests.providers import recorded_responses as responses

# Where the loopback upstream serves each wire format.
BASE_PATHS = {"openai": "/v1", "responses": "/v1", "anthropic": "/anthropic/v1", "gemini": "/gemini/v1beta"}


@dataclass
class Case:
    """One recorded answer and what the adapter must read from it (or the error it must raise)."""

    name: str
    recorded: Recorded
    text: str = ""
    reasoning: str = ""
    usage: Usage | None = None
    error: type[HubError] | None = None
    code: str = ""

    @property
    def stream(self) -> bool:
        return self.recorded.frames is not None


@dataclass
class Read:
    text: str
    reasoning: str
    usage: Usage | None
    tool_calls: list[Any] = field(default_factory=list)


def _openai_cases() -> list[Case]:
    plain = openai.completion(openai.text_message("Hello there."), openai.usage(1117, 12, cached=1024))
    return [
        Case("json", Recorded(body=plain), text="Hello there.", usage=Usage(1117, 12, cached_tokens=1024)),
        Case(
            "stream",
            Recorded(frames=openai.sse(openai.stream(["Hel", "lo."], openai.usage(20, 3, reasoning=0)))),
            text="Hello.",
            usage=Usage(20, 3),
        ),
        Case(
            "reasoning",
            Recorded(body=openai.deepseek_reasoning()),
            text="4",
            reasoning="2 plus 2 is 4.",
            usage=Usage(1300, 210, cached_tokens=1280, reasoning_tokens=180),
        ),
        Case(
            "cache-write",
            Recorded(body=openai.openrouter_cache_write()),
            text="Cached.",
            usage=Usage(2100, 30, cache_write_tokens=2048, upstream_cost=Decimal("0.0081")),
        ),
        Case(
            "json-audio",
            Recorded(body=openai.audio_completion()),
            text="Yes, it is a dog.",
            usage=Usage(1510, 60, token_details={"input_audio": 1500, "output_audio": 48}),
        ),
        Case(
            "error-400",
            Recorded(body=openai.INVALID, status=400),
            error=InvalidRequest,
            code="upstream_invalid_request",
        ),
        Case("error-429", Recorded(body=openai.RATE_LIMITED, status=429), error=UpstreamRateLimited),
    ]


def _anthropic_cases() -> list[Case]:
    searched = Usage(10682, 510, server_tool_requests={"web_search": 2})
    cached = dict(reads=4000, writes_5m=1000, writes_1h=3000)
    cached_usage = Usage(8021, 95, cached_tokens=4000, cache_write_tokens=4000, token_details={"cache_write_1h": 3000})
    overloaded = [*claude.thinking_events()[:3], claude.OVERLOADED]
    return [
        Case(
            "json-hosted-tools",
            Recorded(body=claude.web_search_message()),
            text="Let me check.It is 9°C with rain.",
            usage=searched,
        ),
        Case(
            "stream-hosted-tools",
            Recorded(frames=claude.sse(claude.web_search_events())),
            text="Let me check.It is 9°C with rain.",
            usage=searched,
        ),
        Case(
            "json-thinking-cache",
            Recorded(body=claude.thinking_message(**cached)),
            text="4",
            reasoning="The user wants 2+2.",
            usage=cached_usage,
        ),
        Case(
            "stream-thinking-cache",
            Recorded(frames=claude.sse(claude.thinking_events(**cached))),
            text="4",
            reasoning="The user wants 2+2.",
            usage=cached_usage,
        ),
        Case(
            "error-400",
            Recorded(body=claude.INVALID, status=400),
            error=InvalidRequest,
            code="upstream_invalid_request",
        ),
        Case("error-529", Recorded(body=claude.OVERLOADED, status=529), error=UpstreamUnavailable),
        Case("stream-error", Recorded(frames=claude.sse(overloaded)), error=UpstreamUnavailable),
    ]


def _gemini_cases() -> list[Case]:
    audio = gemini.usage_metadata(text=120, audio=1800, output=40, thoughts=25)
    audio_usage = Usage(1920, 65, reasoning_tokens=25, token_details={"input_audio": 1800})
    cached = gemini.usage_metadata(text=100, audio=1800, cached_text=60, cached_audio=1000, output=7)
    cached_usage = Usage(1900, 7, cached_tokens=1060, token_details={"input_audio": 800, "cached_audio": 1000})
    return [
        Case(
            "json-thinking-audio",
            Recorded(body=gemini.answer("A dog barks.", audio, thought="Listening.")),
            text="A dog barks.",
            reasoning="Listening.",
            usage=audio_usage,
        ),
        Case(
            "stream-grounded",
            Recorded(frames=gemini.sse(gemini.stream(["A dog", " barks."], audio))),
            text="A dog barks.",
            usage=audio_usage,
        ),
        Case(
            "json-cache", Recorded(body=gemini.answer("A dog barks.", cached)), text="A dog barks.", usage=cached_usage
        ),
        Case(
            "json-hosted-code",
            Recorded(body=gemini.code_execution(gemini.usage_metadata(text=30, output=50))),
            text="Let me compute it. The sum is 5050.",
            usage=Usage(30, 50),
        ),
        Case(
            "error-400", Recorded(body=gemini.ERROR, status=400), error=InvalidRequest, code="upstream_invalid_request"
        ),
    ]


def _responses_cases() -> list[Case]:
    summaries = ["**Adding the numbers**\n\nThe user asks for 2+2.", "**Answering**\n\nIt is 4."]
    thought = "\n\n".join(summaries)  # the summary parts, one paragraph each
    reasoned = responses.usage(1340, 212, cached=1280, reasoning=192)
    reasoned_usage = Usage(1340, 212, cached_tokens=1280, reasoning_tokens=192)
    searched = responses.usage(8231, 64)
    searched_usage = Usage(8231, 64, server_tool_requests={"web_search": 1})
    weather = [responses.WEATHER_TEXT[:9], responses.WEATHER_TEXT[9:]]
    return [
        Case(
            "json",
            Recorded(body=responses.plain("Hello there.", responses.usage(19, 4))),
            text="Hello there.",
            usage=Usage(19, 4),
        ),
        Case(
            "stream",
            Recorded(frames=responses.sse(responses.stream(["Hel", "lo", "."], responses.usage(20, 3)))),
            text="Hello.",
            usage=Usage(20, 3),
        ),
        Case(
            "json-cache",
            Recorded(body=responses.plain("Cached.", responses.usage(2006, 3, cached=1920))),
            text="Cached.",
            usage=Usage(2006, 3, cached_tokens=1920),
        ),
        Case(
            "json-reasoning",
            Recorded(body=responses.reasoned(summaries, "4", reasoned)),
            text="4",
            reasoning=thought,
            usage=reasoned_usage,
        ),
        Case(
            "stream-reasoning",
            Recorded(frames=responses.sse(responses.reasoned_stream(summaries, ["4"], reasoned))),
            text="4",
            reasoning=thought,
            usage=reasoned_usage,
        ),
        Case(
            "json-hosted-search",
            Recorded(body=responses.searched(searched)),
            text=responses.WEATHER_TEXT,
            usage=searched_usage,
        ),
        Case(
            "stream-hosted-search",
            Recorded(frames=responses.sse(responses.searched_stream(weather, searched))),
            text=responses.WEATHER_TEXT,
            usage=searched_usage,
        ),
        Case(
            "json-unknown-items",
            Recorded(body=responses.with_unknown_items("Listed.", responses.usage(420, 2))),
            text="Listed.",
            usage=Usage(420, 2),
        ),
        Case(
            "stream-unknown-events",
            Recorded(frames=responses.sse(responses.stream_with_unknown_events(["Hi", "."], responses.usage(9, 2)))),
            text="Hi.",
            usage=Usage(9, 2),
        ),
        Case(
            "error-400",
            Recorded(body=responses.INVALID, status=400),
            error=InvalidRequest,
            code="upstream_invalid_request",
        ),
        Case("error-429", Recorded(body=responses.RATE_LIMITED, status=429), error=UpstreamRateLimited),
        Case("stream-failed", Recorded(frames=responses.sse(responses.failed_stream(["Hel"]))), error=UpstreamError),
    ]


CASES = {
    "openai": _openai_cases(),
    "responses": _responses_cases(),
    "anthropic": _anthropic_cases(),
    "gemini": _gemini_cases(),
}
# Shapes only one kind's upstream sends, beside its wire format's.
KIND_CASES = {
    "groq": [
        Case(
            "stream-x-groq-usage",
            Recorded(frames=openai.sse(openai.groq_stream(["Fast", " answer."], 48, 5))),
            text="Fast answer.",
            usage=Usage(48, 5),
        )
    ],
}


def _params() -> list[Any]:
    """(kind, wire format, case) for each format the kind speaks natively; its own cases in its first."""
    params = []
    for name in KINDS:
        kind = kinds()[name]
        for wire_format in kind.speaks:
            own = KIND_CASES.get(name, []) if wire_format == kind.wire_format else []
            prefix = name if wire_format == kind.wire_format else f"{name}-{wire_format}"
            params += [
                pytest.param(name, wire_format, case, id=f"{prefix}-{case.name}")
                for case in [*CASES.get(wire_format, []), *own]
            ]
    return params


def _target(fake: FakeUpstream, name: str, wire_format: str, model: str) -> Target:
    kind = kinds()[name]
    base_url = fake.url + BASE_PATHS[wire_format]
    return Target(ProviderConfig(name, wire_format, base_url, "contract-key", kind=name, speaks=kind.speaks), model)


async def _read(target: Target, stream: bool) -> Read:
    adapter = adapter_for(target.provider.wire_format)
    request = ChatRequest(
        target.upstream_model, [{"role": "user", "content": "hi"}], {"max_tokens": 1024}, stream=stream
    )
    try:
        if not stream:
            completion: Completion = await adapter.complete(target, request)
            message = completion.body["choices"][0]["message"]
            return Read(message.get("content") or "", message.get("reasoning_content") or "", completion.usage)
        text, reasoning, usage = [], [], None
        async for chunk in adapter.stream(target, request):
            for choice in (chunk.data or {}).get("choices") or []:
                text.append(choice["delta"].get("content") or "")
                reasoning.append(choice["delta"].get("reasoning_content") or "")
            usage = chunk.usage or usage
        return Read("".join(text), "".join(reasoning), usage)
    finally:
        await http_client.close_client()


def _upstream_messages(recorded: Recorded) -> list[str]:
    """Every `message` string in a recorded answer (its error's words, which may echo the request)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            found.extend(v for k, v in value.items() if k == "message" and isinstance(v, str) and v)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(recorded.body)
    for frame in recorded.frames or []:
        for line in frame.decode().splitlines():
            if line.startswith("data:") and line[5:].strip().startswith("{"):
                walk(json.loads(line[5:]))
    return found


@pytest.mark.parametrize(("kind", "wire_format", "case"), _params())
def test_contract(fake_upstream: FakeUpstream, kind: str, wire_format: str, case: Case) -> None:
    model = f"contract-{kind}-{wire_format}-{case.name}"
    fake_upstream.script(model, case.recorded)
    target = _target(fake_upstream, kind, wire_format, model)
    if case.error is not None:
        with pytest.raises(case.error) as raised:
            asyncio.run(_read(target, case.stream))
        assert not case.code or raised.value.code == case.code
        assert kind in raised.value.message  # names the upstream, never relays its words
        assert not [words for words in _upstream_messages(case.recorded) if words in raised.value.message]
        return
    read = asyncio.run(_read(target, case.stream))
    assert (read.text, read.reasoning) == (case.text, case.reasoning)
    assert read.usage == case.usage


def test_every_wire_format_has_cases() -> None:
    assert set(WIRE_ADAPTERS) <= set(CASES)


def test_every_kind_runs_the_contract() -> None:
    assert {p.values[0] for p in _params()} == set(KINDS)


def test_every_format_a_kind_speaks_runs_the_contract() -> None:
    spoken = {(name, wire_format) for name in KINDS for wire_format in kinds()[name].speaks}
    assert {(p.values[0], p.values[1]) for p in _params()} == spoken
