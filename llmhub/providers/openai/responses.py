"""The `responses` wire format: OpenAI's Responses API (POST {base_url}/responses), JSON and SSE.

A client's own Responses body passes through (model id, key and the held output cap owned by the hub, its
`openai-beta` header kept) and the upstream's events are relayed as they come; a request in another format
is translated. Usage is read from the native body: cached and reasoning tokens, and hosted tool calls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from llmhub.errors import UpstreamError
from llmhub.providers.base import ChatRequest, Completion, NativeRequest, ProviderAdapter, StreamChunk, Target
from llmhub.providers.http_base import parse_json_event, post_json, reading, relayed_chunk, stream_sse
from llmhub.providers.openai.responses_read import (
    FINAL_EVENTS,
    ResponsesStreamReader,
    completion_from_responses,
    usage_from_responses,
)
from llmhub.providers.openai.responses_request import native_payload, to_responses_request
from llmhub.providers.openai.responses_schema import check_input_tokens


def _native(request: ChatRequest) -> bool:
    return request.native is not None and request.native.wire_format == "responses"


class OpenAIResponsesAdapter(ProviderAdapter):
    wire_format = "responses"

    def _headers(self, target: Target, request: ChatRequest) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if target.provider.api_key:
            headers["Authorization"] = f"Bearer {target.provider.api_key}"
        if _native(request):
            assert request.native is not None
            headers.update(request.native.headers)  # the client's openai-beta
        return headers

    def _payload(self, target: Target, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        if _native(request):
            return native_payload(request, target, stream=stream)
        return to_responses_request(request, target.upstream_model, stream=stream)

    async def count_input_tokens(self, target: Target, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        """The upstream's own count of a Responses body's input tokens (unbilled: the upstream charges nothing)."""
        url = f"{target.provider.base_url}/responses/input_tokens"
        request = ChatRequest(model="", messages=[], native=NativeRequest("responses", body, headers))
        payload = {**native_payload(request, target, stream=False), "model": target.upstream_model}
        payload.pop("max_output_tokens", None)
        found = await post_json(target.provider, url, self._headers(target, request), payload)
        with reading(target.provider):
            check_input_tokens(target.provider.name, found)
        return found

    async def complete(self, target: Target, request: ChatRequest) -> Completion:
        url = f"{target.provider.base_url}/responses"
        if _native(request) and request.native is not None and request.native.endpoint:
            url += "/" + request.native.endpoint
        payload = self._payload(target, request, stream=False)
        body = await post_json(target.provider, url, self._headers(target, request), payload)
        with reading(target.provider):
            canonical = completion_from_responses(body, target.provider.name)  # checks the body's shape
            usage = usage_from_responses(body.get("usage"), body["output"])
        return Completion(body=canonical, usage=usage, native=body if _native(request) else None)

    async def stream(self, target: Target, request: ChatRequest) -> AsyncIterator[StreamChunk]:
        url = f"{target.provider.base_url}/responses"
        payload = self._payload(target, request, stream=True)
        reader = ResponsesStreamReader(target.provider.name)
        native = _native(request)
        async for event_name, data in stream_sse(target.provider, url, self._headers(target, request), payload):
            event = parse_json_event(target.provider, data)
            with reading(target.provider):
                chunk = reader.feed(event)  # checks the event's shape; reads the usage
            if native:
                yield relayed_chunk(event_name, event, data, chunk, FINAL_EVENTS)
            elif chunk is not None:
                yield chunk
            if reader.finished:
                return
        raise UpstreamError(f"Upstream {target.provider.name} ended the stream before the response completed.")
