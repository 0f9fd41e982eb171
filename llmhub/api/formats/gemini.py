"""Gemini's generateContent format at the edge (also under /v1beta/), for any catalog model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from llmhub.api.formats.base import ClientFormat
from llmhub.api.formats.gemini_request import from_gemini_request, gemini_count_request
from llmhub.api.formats.gemini_response import (
    error_to_gemini,
    gemini_stream,
    native_usage,
    relay_native,
    response_to_gemini,
)
from llmhub.errors import HubError
from llmhub.gateway import Result, Stream
from llmhub.providers.base import ChatRequest


class GeminiFormat(ClientFormat):
    name = "gemini"
    native_wire = "gemini"

    def parse(self, body: Any, *, model: str, stream: bool) -> ChatRequest:
        return from_gemini_request(body, model, stream=stream)

    def parse_count(self, body: Any, *, model: str) -> ChatRequest:
        return gemini_count_request(body, model)

    def render(self, result: Result) -> dict[str, Any]:
        return response_to_gemini(result.body, result.call.request_id)

    def stream(self, session: Stream, *, sse: bool = True) -> AsyncIterator[bytes]:
        return gemini_stream(session, sse=sse)

    def error_body(self, exc: HubError) -> dict[str, Any]:
        return error_to_gemini(exc)

    def render_native(self, native: dict[str, Any], usage: dict[str, Any]) -> dict[str, Any]:
        return {**native, "usageMetadata": native_usage(native.get("usageMetadata"), usage)}

    def answer_stream(self, session: Stream, *, sse: bool = True) -> AsyncIterator[bytes]:
        # Gemini frames a stream two ways (SSE or a JSON array), so a passthrough stream is framed here.
        if session.call.passthrough:
            return relay_native(session, sse=sse)
        return self.stream(session, sse=sse)


GEMINI = GeminiFormat()
