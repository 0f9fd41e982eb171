"""What every client wire format at the edge provides: render an answer, a stream and an error.

Each format (OpenAI, Anthropic, Gemini) is one object; views use it for their bodies and errors, and the
ASGI app uses it for errors raised before a view runs. Parsing takes format-specific context (a Gemini
model comes from the path), so each format's `parse` has its own signature.

A format that an upstream can speak natively (`native_wire`) also keeps the client's own body on the
request, and writes an upstream's own answer back with only the hub's usage fields added (passthrough).
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Mapping
from typing import Any

from django.http import HttpResponse

from llmhub.api.responses import json_response
from llmhub.errors import HubError
from llmhub.gateway import Result, Stream
from llmhub.providers.base import ChatRequest, NativeRequest


class ClientFormat(abc.ABC):
    name: str
    native_wire: str | None = None  # the upstream wire format that speaks this format natively
    forwarded_headers: tuple[str, ...] = ()  # the provider's own request headers relayed on passthrough

    def keep_native(self, request: ChatRequest, body: Any, headers: Mapping[str, str]) -> ChatRequest:
        """`request` with the client's own body and provider headers, for an upstream that speaks this format."""
        if self.native_wire is not None and isinstance(body, dict):
            forwarded = {name: headers[name] for name in self.forwarded_headers if name in headers}
            request.native = NativeRequest(self.native_wire, body, forwarded)
        return request

    def render_native(self, native: dict[str, Any], usage: dict[str, Any]) -> dict[str, Any]:
        """The upstream's own body (passthrough) with the hub's usage, cost and credits in this format."""
        raise NotImplementedError(f"{self.name} has no passthrough")

    def finish_native(self, held: list[dict[str, Any]], usage: dict[str, Any], *, sse: bool = True) -> bytes:
        """The upstream's final stream events (passthrough), written with the hub's usage, cost and credits."""
        raise NotImplementedError(f"{self.name} has no passthrough")

    def native_error(self, exc: HubError, *, sse: bool = True) -> bytes:
        """A passthrough stream's error event after its first byte."""
        raise NotImplementedError(f"{self.name} has no passthrough")

    def answer_body(self, result: Result) -> dict[str, Any]:
        """A finished completion's body: the upstream's own on passthrough, else rendered from canonical."""
        if result.native is not None:
            return self.render_native(result.native, result.body["usage"])
        return self.render(result)

    def answer_stream(self, session: Stream, *, sse: bool = True) -> AsyncIterator[bytes]:
        """The stream in this format: relayed as the upstream sent it on passthrough, else rendered."""
        if session.call.passthrough:
            return self._relay_native(session, sse=sse)
        return self.stream(session, sse=sse)

    async def _relay_native(self, session: Stream, *, sse: bool) -> AsyncIterator[bytes]:
        async for event in session.events():
            if event.raw is not None:
                yield event.raw
            elif event.kind == "usage":
                yield self.finish_native(event.held or [], event.data, sse=sse)
            elif event.error is not None:
                yield self.native_error(event.error, sse=sse)

    @abc.abstractmethod
    def render(self, result: Result) -> dict[str, Any]:
        """A finished completion's body in this format."""

    @abc.abstractmethod
    def stream(self, session: Stream, *, sse: bool = True) -> AsyncIterator[bytes]:
        """The gateway's stream events as this format's stream."""

    @abc.abstractmethod
    def error_body(self, exc: HubError) -> dict[str, Any]:
        """An error's body in this format."""

    def stream_content_type(self, *, sse: bool = True) -> str:
        return "text/event-stream" if sse else "application/json"

    def error(self, exc: HubError, headers: dict[str, str] | None = None) -> HttpResponse:
        return json_response(self.error_body(exc), status=exc.status, headers={**exc.headers(), **(headers or {})})
