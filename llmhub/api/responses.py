"""HTTP responses of the /v1 edge: JSON bodies, and streams that settle even when nobody reads them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse

from llmhub import jsonio
from llmhub.gateway import Stream


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse(jsonio.dumps_bytes(body), status=status, content_type="application/json", headers=headers)


class MeteredStreamingResponse(StreamingHttpResponse):
    """A streaming response that settles its stream even if the client left before the first byte."""

    def __init__(self, session: Stream, content: AsyncIterator[bytes], content_type: str) -> None:
        super().__init__(content, content_type=content_type, headers=session.call.headers())
        self["Cache-Control"] = "no-cache"
        self["X-Accel-Buffering"] = "no"
        self._session = session

    def close(self) -> None:
        self._session.abandon_threadsafe()
        super().close()
