"""Anthropic Messages passed through: the client's own /v1/messages body to an Anthropic upstream, unchanged
but for what the hub owns (model id, key, the output cap it held for), with the provider headers the client
sent (anthropic-beta, anthropic-version); the answer read for metering and relayed as it came."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from llmhub.errors import UpstreamError
from llmhub.providers.anthropic.response import completion_from_anthropic, stream_error, usage_from_anthropic
from llmhub.providers.anthropic.stream import AnthropicStreamReader
from llmhub.providers.base import ChatRequest, Completion, StreamChunk, Target
from llmhub.providers.http_base import parse_json_event, post_json, reading, relayed_chunk, stream_sse

DEFAULT_VERSION = "2023-06-01"
FINAL_EVENTS = ("message_delta", "message_stop")  # usage and the end: written by the hub once settled


def native_payload(request: ChatRequest, target: Target, *, stream: bool) -> dict[str, Any]:
    """The client's body with the upstream's model id and the cap the hub held for (lowered when it had to)."""
    assert request.native is not None
    payload = dict(request.native.body)
    payload["model"] = target.upstream_model
    cap = request.params.get("max_tokens")
    if isinstance(cap, int):
        payload["max_tokens"] = cap
    if stream:
        payload["stream"] = True
    else:
        payload.pop("stream", None)
    return payload


def native_headers(request: ChatRequest, target: Target) -> dict[str, str]:
    assert request.native is not None
    forwarded = request.native.headers
    headers = {
        "Content-Type": "application/json",
        "x-api-key": target.provider.api_key,
        "anthropic-version": forwarded.get("anthropic-version") or DEFAULT_VERSION,
    }
    if forwarded.get("anthropic-beta"):
        headers["anthropic-beta"] = forwarded["anthropic-beta"]
    return headers


async def complete_native(target: Target, request: ChatRequest, url: str) -> Completion:
    payload = native_payload(request, target, stream=False)
    body = await post_json(target.provider, url, native_headers(request, target), payload)
    with reading(target.provider):
        canonical = completion_from_anthropic(body, target.provider.name)  # checks the body's shape
        usage = usage_from_anthropic(body.get("usage"))
    usage.estimated = not isinstance(body.get("usage"), dict)
    return Completion(body=canonical, usage=usage, native=body)


async def stream_native(target: Target, request: ChatRequest, url: str) -> AsyncIterator[StreamChunk]:
    payload = native_payload(request, target, stream=True)
    reader = AnthropicStreamReader(target.provider.name)
    headers = native_headers(request, target)
    async for event_name, data in stream_sse(target.provider, url, headers, payload):
        event = parse_json_event(target.provider, data)
        if event.get("type") == "error":
            raise stream_error(event, target.provider.name)
        with reading(target.provider):
            chunk = reader.feed(event)  # checks the event's shape; reads the usage
        yield relayed_chunk(event_name, event, data, chunk, FINAL_EVENTS)
        if reader.finished:
            return
    raise UpstreamError(f"Upstream {target.provider.name} ended the stream before message_stop.")
