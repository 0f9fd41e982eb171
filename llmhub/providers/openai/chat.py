"""The `openai` wire format (chat completions): the adapter every OpenAI-compatible kind uses (AIsa, OpenAI,
DeepSeek, Qwen, xAI, OpenRouter, Groq, Ollama, vLLM)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

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
from llmhub.providers.http_base import log_upstream_text, parse_json_event, post_json, stream_sse
from llmhub.providers.openai.embeddings import openai_embeddings
from llmhub.providers.openai.schema import check_chunk, check_completion
from llmhub.providers.openai.usage import usage_from_openai
from llmhub.providers.registry import foreign_params, kinds


class OpenAIChatAdapter(ProviderAdapter):
    wire_format = "openai"

    def _headers(self, target: Target) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if target.provider.api_key:
            headers["Authorization"] = f"Bearer {target.provider.api_key}"
        return headers

    def _payload(self, target: Target, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        payload = dict(request.params)
        for name in foreign_params(target.provider.kind):
            payload.pop(name, None)
        payload["model"] = target.upstream_model
        payload["messages"] = request.messages
        if stream:
            payload["stream"] = True
            # Always ask for usage so every stream is metered, whatever the client asked for.
            payload["stream_options"] = {**(payload.get("stream_options") or {}), "include_usage": True}
        else:
            payload.pop("stream_options", None)
        return payload

    async def embed(self, target: Target, request: EmbeddingRequest) -> Embeddings:
        return await openai_embeddings(target, request)

    async def complete(self, target: Target, request: ChatRequest) -> Completion:
        url = f"{target.provider.base_url}/chat/completions"
        body = await post_json(
            target.provider, url, self._headers(target), self._payload(target, request, stream=False)
        )
        if "error" in body:
            raise UpstreamError(f"Upstream {target.provider.name} returned an error instead of a completion.")
        check_completion(target.provider.name, body)
        usage = usage_from_openai(body.get("usage")) or Usage(estimated=True)
        return Completion(body=body, usage=usage)

    async def stream(self, target: Target, request: ChatRequest) -> AsyncIterator[StreamChunk]:
        url = f"{target.provider.base_url}/chat/completions"
        payload = self._payload(target, request, stream=True)
        kind = kinds().get(target.provider.kind)
        kind_usage = kind.stream_usage if kind is not None else None
        finished = False
        async for _event, data in stream_sse(target.provider, url, self._headers(target), payload):
            if data.strip() == "[DONE]":
                finished = True
                break
            chunk = parse_json_event(target.provider, data)
            if "error" in chunk:
                # The upstream's own text is never relayed (it may echo secrets); the log keeps it, redacted.
                log_upstream_text(target.provider, "mid-stream error", data)
                raise UpstreamError(f"Upstream {target.provider.name} failed mid-stream.")
            check_chunk(target.provider.name, chunk)
            raw_usage = chunk.get("usage")
            if raw_usage is None and kind_usage is not None:
                raw_usage = kind_usage(chunk)
            yield StreamChunk(data=chunk, usage=usage_from_openai(raw_usage))
        if not finished:
            raise UpstreamError(f"Upstream {target.provider.name} ended the stream before it was complete.")
