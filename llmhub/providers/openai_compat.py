"""Adapter for OpenAI-compatible upstreams: AIsa, OpenAI, DeepSeek, Qwen, xAI, OpenRouter, Ollama, vLLM."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal, InvalidOperation
from typing import Any

from llmhub.errors import UpstreamError
from llmhub.providers.base import ChatRequest, Completion, ProviderAdapter, StreamChunk, Target, Usage
from llmhub.providers.http_base import parse_json_event, post_json, stream_sse


def usage_from_openai(raw: Any) -> Usage | None:
    """Read an OpenAI `usage` object, including cached, reasoning and upstream-cost fields when present."""
    if not isinstance(raw, dict):
        return None
    prompt_details = raw.get("prompt_tokens_details") or {}
    completion_details = raw.get("completion_tokens_details") or {}
    cost = raw.get("cost")
    upstream_cost: Decimal | None = None
    if cost is not None and not isinstance(cost, bool):
        try:
            upstream_cost = Decimal(str(cost))
        except InvalidOperation:
            upstream_cost = None
    return Usage(
        prompt_tokens=int(raw.get("prompt_tokens") or 0),
        completion_tokens=int(raw.get("completion_tokens") or 0),
        cached_tokens=int(prompt_details.get("cached_tokens") or 0),
        cache_write_tokens=int(prompt_details.get("cache_write_tokens") or 0),
        reasoning_tokens=int(completion_details.get("reasoning_tokens") or 0),
        upstream_cost=upstream_cost,
    )


class OpenAICompatAdapter(ProviderAdapter):
    wire_format = "openai"

    def _headers(self, target: Target) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if target.provider.api_key:
            headers["Authorization"] = f"Bearer {target.provider.api_key}"
        return headers

    def _payload(self, target: Target, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        payload = dict(request.params)
        payload["model"] = target.upstream_model
        payload["messages"] = request.messages
        if stream:
            payload["stream"] = True
            # Always ask for usage so every stream is metered, whatever the client asked for.
            payload["stream_options"] = {**(payload.get("stream_options") or {}), "include_usage": True}
        else:
            payload.pop("stream_options", None)
        return payload

    async def complete(self, target: Target, request: ChatRequest) -> Completion:
        url = f"{target.provider.base_url}/chat/completions"
        body = await post_json(
            target.provider, url, self._headers(target), self._payload(target, request, stream=False)
        )
        if not isinstance(body.get("choices"), list):
            raise UpstreamError(f"Upstream {target.provider.name} returned a completion without choices.")
        usage = usage_from_openai(body.get("usage")) or Usage(estimated=True)
        return Completion(body=body, usage=usage)

    async def stream(self, target: Target, request: ChatRequest) -> AsyncIterator[StreamChunk]:
        url = f"{target.provider.base_url}/chat/completions"
        payload = self._payload(target, request, stream=True)
        finished = False
        async for _event, data in stream_sse(target.provider, url, self._headers(target), payload):
            if data.strip() == "[DONE]":
                finished = True
                break
            chunk = parse_json_event(target.provider, data)
            if "error" in chunk:
                error = chunk["error"]
                message = error.get("message") if isinstance(error, dict) else str(error)
                raise UpstreamError(f"Upstream {target.provider.name} failed mid-stream: {message}")
            yield StreamChunk(data=chunk, usage=usage_from_openai(chunk.get("usage")))
        if not finished:
            raise UpstreamError(f"Upstream {target.provider.name} ended the stream before it was complete.")
