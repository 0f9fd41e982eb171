"""Adapter for Gemini's generateContent and streamGenerateContent?alt=sse, key in x-goog-api-key."""

from __future__ import annotations

from collections.abc import AsyncIterator

from llmhub.errors import UpstreamError
from llmhub.providers.base import (
    ChatRequest,
    Completion,
    EmbeddingRequest,
    Embeddings,
    ProviderAdapter,
    StreamChunk,
    Target,
    Usage,
)
from llmhub.providers.gemini.embeddings import gemini_embeddings
from llmhub.providers.gemini.passthrough import complete_native, stream_native
from llmhub.providers.gemini.request import to_gemini_request
from llmhub.providers.gemini.response import GeminiStreamReader, completion_from_gemini, usage_from_gemini
from llmhub.providers.http_base import parse_json_event, post_json, reading, stream_sse


def _native(request: ChatRequest) -> bool:
    return request.native is not None and request.native.wire_format == "gemini"


class GeminiAdapter(ProviderAdapter):
    wire_format = "gemini"

    def _headers(self, target: Target) -> dict[str, str]:
        return {"Content-Type": "application/json", "x-goog-api-key": target.provider.api_key}

    def _url(self, target: Target, method: str) -> str:
        model = target.upstream_model.removeprefix("models/")
        return f"{target.provider.base_url}/models/{model}:{method}"

    async def embed(self, target: Target, request: EmbeddingRequest) -> Embeddings:
        return await gemini_embeddings(target, request)

    async def complete(self, target: Target, request: ChatRequest) -> Completion:
        if _native(request):
            return await complete_native(target, request, self._url(target, "generateContent"), self._headers(target))
        payload = to_gemini_request(request)
        body = await post_json(target.provider, self._url(target, "generateContent"), self._headers(target), payload)
        with reading(target.provider):
            completion = completion_from_gemini(body, target.upstream_model, target.provider.name)
            usage = usage_from_gemini(body.get("usageMetadata")) or Usage(estimated=True)
        return Completion(body=completion, usage=usage)

    async def stream(self, target: Target, request: ChatRequest) -> AsyncIterator[StreamChunk]:
        url = self._url(target, "streamGenerateContent?alt=sse")
        if _native(request):
            async for native_chunk in stream_native(target, request, url, self._headers(target)):
                yield native_chunk
            return
        payload = to_gemini_request(request)
        reader = GeminiStreamReader(target.upstream_model, target.provider.name)
        async for _event, data in stream_sse(target.provider, url, self._headers(target), payload):
            with reading(target.provider):
                chunk = reader.feed(parse_json_event(target.provider, data))
            # Gemini repeats usageMetadata, growing, on every chunk: only the last one is final.
            yield StreamChunk(data=chunk, usage=reader.usage if reader.finished else None)
            if reader.finished:
                return
        raise UpstreamError(f"Upstream {target.provider.name} ended the stream before a finishReason.")
