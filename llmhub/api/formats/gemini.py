"""Gemini's generateContent format at the edge (also under /v1beta/), for any catalog model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from llmhub.api.formats.base import ClientFormat
from llmhub.api.formats.gemini_request import from_gemini_request
from llmhub.api.formats.gemini_response import error_to_gemini, gemini_stream, response_to_gemini
from llmhub.errors import HubError
from llmhub.gateway import Result, Stream
from llmhub.providers.base import ChatRequest


class GeminiFormat(ClientFormat):
    name = "gemini"

    def parse(self, body: Any, *, model: str, stream: bool) -> ChatRequest:
        return from_gemini_request(body, model, stream=stream)

    def render(self, result: Result) -> dict[str, Any]:
        return response_to_gemini(result.body, result.call.request_id)

    def stream(self, session: Stream, *, sse: bool = True) -> AsyncIterator[bytes]:
        return gemini_stream(session, sse=sse)

    def error_body(self, exc: HubError) -> dict[str, Any]:
        return error_to_gemini(exc)


GEMINI = GeminiFormat()
