"""Adapter for OpenAI-compatible upstreams: AIsa, OpenAI, DeepSeek, Qwen, xAI, OpenRouter, Ollama, vLLM."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal, InvalidOperation
from typing import Any

from llmhub.errors import UpstreamError
from llmhub.providers.base import ChatRequest, Completion, ProviderAdapter, StreamChunk, Target, Usage
from llmhub.providers.http_base import log_upstream_text, parse_json_event, post_json, stream_sse
from llmhub.providers.openai_schema import check_chunk, check_completion


def _count(raw: Any, key: str) -> int:
    """A token count as sent (the gateway bounds it); ValueError when it is not a whole number."""
    value = raw.get(key) if isinstance(raw, dict) else None
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{key} is not a number")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"{key} is not a whole number")
    return int(value)


def usage_from_openai(raw: Any) -> Usage | None:
    """Read an OpenAI `usage` object, including cached, reasoning and upstream-cost fields when present.

    A usage object whose counts are not numbers is no report at all: the hub counts the tokens itself.
    """
    if not isinstance(raw, dict):
        return None
    prompt_details = raw.get("prompt_tokens_details") or {}
    completion_details = raw.get("completion_tokens_details") or {}
    cost = raw.get("cost")
    upstream_cost: Decimal | None = None
    if isinstance(cost, (int, float, str)) and not isinstance(cost, bool):
        try:
            upstream_cost = Decimal(str(cost))
        except InvalidOperation:
            upstream_cost = None
    try:
        return Usage(
            prompt_tokens=_count(raw, "prompt_tokens"),
            completion_tokens=_count(raw, "completion_tokens"),
            cached_tokens=_count(prompt_details, "cached_tokens"),
            cache_write_tokens=_count(prompt_details, "cache_write_tokens"),
            reasoning_tokens=_count(completion_details, "reasoning_tokens"),
            upstream_cost=upstream_cost,
        )
    except (ValueError, OverflowError):
        return None


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
        if "error" in body:
            raise UpstreamError(f"Upstream {target.provider.name} returned an error instead of a completion.")
        check_completion(target.provider.name, body)
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
                # The upstream's own text is never relayed (it may echo secrets); the log keeps it, redacted.
                log_upstream_text(target.provider, "mid-stream error", data)
                raise UpstreamError(f"Upstream {target.provider.name} failed mid-stream.")
            check_chunk(target.provider.name, chunk)
            yield StreamChunk(data=chunk, usage=usage_from_openai(chunk.get("usage")))
        if not finished:
            raise UpstreamError(f"Upstream {target.provider.name} ended the stream before it was complete.")
