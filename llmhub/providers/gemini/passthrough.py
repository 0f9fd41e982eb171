"""Gemini generateContent passed through: the client's own body to a Gemini upstream, unchanged but for what
the hub owns (the model, in the URL; the key; the output cap it held for); the answer read for metering
(usageMetadata, strictly) and relayed as it came."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from llmhub.errors import UpstreamError
from llmhub.providers.base import ChatRequest, Completion, StreamChunk, Target, Usage
from llmhub.providers.gemini.response import GeminiStreamReader, completion_from_gemini, usage_from_gemini
from llmhub.providers.http_base import parse_json_event, post_json, reading, sse_frame, stream_sse

# Google's parser reads either spelling; the hub writes its cap in whichever the client used.
CONFIG_NAMES = ("generationConfig", "generation_config")
CAP_NAMES = ("maxOutputTokens", "max_output_tokens")


def native_payload(request: ChatRequest) -> dict[str, Any]:
    """The client's body with the cap the hub held for (lowered when it had to); the model goes in the URL."""
    assert request.native is not None
    payload = {k: v for k, v in request.native.body.items() if k != "model"}
    cap = request.params.get("max_tokens")
    if isinstance(cap, int) and not isinstance(cap, bool):
        config_name = next((name for name in CONFIG_NAMES if isinstance(payload.get(name), dict)), CONFIG_NAMES[0])
        config = dict(payload[config_name]) if isinstance(payload.get(config_name), dict) else {}
        cap_name = next((name for name in CAP_NAMES if name in config), CAP_NAMES[0])
        config[cap_name] = cap
        payload[config_name] = config
    return payload


async def complete_native(target: Target, request: ChatRequest, url: str, headers: dict[str, str]) -> Completion:
    body = await post_json(target.provider, url, headers, native_payload(request))
    with reading(target.provider):
        canonical = completion_from_gemini(body, target.upstream_model, target.provider.name)  # checks the shape
        usage = usage_from_gemini(body.get("usageMetadata")) or Usage(estimated=True)
    return Completion(body=canonical, usage=usage, native=body)


async def stream_native(
    target: Target, request: ChatRequest, url: str, headers: dict[str, str]
) -> AsyncIterator[StreamChunk]:
    """The upstream's chunks as SSE frames; the one with the finishReason (and the final usage) held back."""
    reader = GeminiStreamReader(target.upstream_model, target.provider.name)
    async for _event, data in stream_sse(target.provider, url, headers, native_payload(request)):
        event = parse_json_event(target.provider, data)
        with reading(target.provider):
            chunk = reader.feed(event)  # raises on an error event; checks the chunk's shape
        final = reader.finished
        yield StreamChunk(
            data=chunk,
            usage=reader.usage if final else None,
            raw=None if final else sse_frame(data, end=b"\r\n\r\n"),
            final=final,
            native_event=event if final else None,
        )
        if final:
            return
    raise UpstreamError(f"Upstream {target.provider.name} ended the stream before a finishReason.")
