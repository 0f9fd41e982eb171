"""What every client wire format at the edge provides: render an answer, a stream and an error.

Each format (OpenAI, Anthropic, Gemini) is one object; views use it for their bodies and errors, and the
ASGI app uses it for errors raised before a view runs. Parsing takes format-specific context (a Gemini
model comes from the path), so each format's `parse` has its own signature.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from typing import Any

from django.http import HttpResponse

from llmhub.api.responses import json_response
from llmhub.errors import HubError
from llmhub.gateway import Result, Stream


class ClientFormat(abc.ABC):
    name: str

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
