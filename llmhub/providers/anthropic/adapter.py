"""Adapter for Anthropic's Messages API (POST {base_url}/messages), JSON and SSE."""

from __future__ import annotations

from collections.abc import AsyncIterator

from llmhub.errors import UpstreamError
from llmhub.providers.anthropic.passthrough import complete_native, stream_native
from llmhub.providers.anthropic.request import to_anthropic_request
from llmhub.providers.anthropic.response import completion_from_anthropic, usage_from_anthropic
from llmhub.providers.anthropic.stream import AnthropicStreamReader
from llmhub.providers.base import ChatRequest, Completion, ProviderAdapter, StreamChunk, Target
from llmhub.providers.http_base import parse_json_event, post_json, reading, stream_sse

ANTHROPIC_VERSION = "2023-06-01"


def _native(request: ChatRequest) -> bool:
    return request.native is not None and request.native.wire_format == "anthropic"


class AnthropicAdapter(ProviderAdapter):
    wire_format = "anthropic"

    def _headers(self, target: Target) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "x-api-key": target.provider.api_key,
            "anthropic-version": ANTHROPIC_VERSION,
        }

    async def complete(self, target: Target, request: ChatRequest) -> Completion:
        url = f"{target.provider.base_url}/messages"
        if _native(request):
            return await complete_native(target, request, url)
        payload = to_anthropic_request(request, target.upstream_model, stream=False)
        body = await post_json(target.provider, url, self._headers(target), payload)
        with reading(target.provider):
            completion = completion_from_anthropic(body, target.provider.name)
            usage = usage_from_anthropic(body.get("usage"))
        usage.estimated = not isinstance(body.get("usage"), dict)
        return Completion(body=completion, usage=usage)

    async def stream(self, target: Target, request: ChatRequest) -> AsyncIterator[StreamChunk]:
        url = f"{target.provider.base_url}/messages"
        if _native(request):
            async for native_chunk in stream_native(target, request, url):
                yield native_chunk
            return
        payload = to_anthropic_request(request, target.upstream_model, stream=True)
        reader = AnthropicStreamReader(target.provider.name)
        async for _event, data in stream_sse(target.provider, url, self._headers(target), payload):
            with reading(target.provider):
                chunk = reader.feed(parse_json_event(target.provider, data))
            if chunk is not None:
                yield chunk
            if reader.finished:
                return
        raise UpstreamError(f"Upstream {target.provider.name} ended the stream before message_stop.")
