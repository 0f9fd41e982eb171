"""Anthropic's Messages format at the edge (POST /v1/messages), for any catalog model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from llmhub.api.formats.anthropic_request import from_anthropic_request_for_passthrough
from llmhub.api.formats.anthropic_response import error_to_anthropic, message_to_anthropic, native_usage
from llmhub.api.formats.anthropic_stream import anthropic_sse, sse_event
from llmhub.api.formats.base import ClientFormat
from llmhub.errors import HubError
from llmhub.gateway import Result, Stream
from llmhub.providers.base import ChatRequest


class AnthropicFormat(ClientFormat):
    name = "anthropic"
    native_wire = "anthropic"
    forwarded_headers = ("anthropic-beta", "anthropic-version")

    def parse(self, body: Any, *, counting: bool = False) -> ChatRequest:
        return from_anthropic_request_for_passthrough(body, counting=counting)

    def render(self, result: Result) -> dict[str, Any]:
        return message_to_anthropic(result.body, result.call.request_id)

    def stream(self, session: Stream, *, sse: bool = True) -> AsyncIterator[bytes]:
        return anthropic_sse(session)

    def error_body(self, exc: HubError) -> dict[str, Any]:
        return error_to_anthropic(exc)

    def render_native(self, native: dict[str, Any], usage: dict[str, Any]) -> dict[str, Any]:
        return {**native, "usage": native_usage(native.get("usage"), usage)}

    def finish_native(self, held: list[dict[str, Any]], usage: dict[str, Any], *, sse: bool = True) -> bytes:
        out = b""
        for event in held:
            if event.get("type") == "message_delta":
                event = {**event, "usage": native_usage(event.get("usage"), usage)}
            out += sse_event(str(event.get("type")), event)
        return out

    def native_error(self, exc: HubError, *, sse: bool = True) -> bytes:
        return sse_event("error", error_to_anthropic(exc))


ANTHROPIC = AnthropicFormat()
