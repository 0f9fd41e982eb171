"""OpenAI's Responses format at the edge (POST /v1/responses), for any catalog model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from llmhub import jsonio
from llmhub.api.formats.base import ClientFormat
from llmhub.api.formats.responses_request import ResponsesRequest, parse_responses_request
from llmhub.api.formats.responses_response import native_usage, render_response
from llmhub.api.formats.responses_stream import OnDone, responses_sse
from llmhub.errors import HubError
from llmhub.gateway import Call, Result, Stream


def response_id_of(call: Call) -> str:
    return "resp_" + call.request_id.removeprefix("req_")


def _followed(echo: dict[str, Any]) -> dict[str, Any]:
    """The hub expands `previous_response_id` into the input it sends upstream; the answer still names it."""
    previous = echo.get("previous_response_id")
    return {"previous_response_id": previous} if previous is not None else {}


def _event(data: dict[str, Any]) -> bytes:
    return b"event: " + str(data.get("type")).encode() + b"\ndata: " + jsonio.dumps_bytes(data) + b"\n\n"


class ResponsesFormat(ClientFormat):
    name = "responses"
    native_wire = "responses"
    forwarded_headers = ("openai-beta",)

    def parse(self, body: Any, history: list[dict[str, Any]] | None = None) -> ResponsesRequest:
        return parse_responses_request(body, history)

    def render(self, result: Result, echo: dict[str, Any] | None = None) -> dict[str, Any]:
        return render_response(result.body, response_id_of(result.call), echo or {})

    def stream(
        self, session: Stream, *, sse: bool = True, echo: dict[str, Any] | None = None, on_done: OnDone | None = None
    ) -> AsyncIterator[bytes]:
        """The Responses event stream: relayed as the upstream sent it on passthrough, else written."""
        if session.call.passthrough:
            return self._relay(session, _followed(echo or {}), on_done)
        return responses_sse(session, response_id_of(session.call), echo or {}, on_done)

    async def _relay(self, session: Stream, followed: dict[str, Any], on_done: OnDone | None) -> AsyncIterator[bytes]:
        """A passthrough stream: the upstream's events as they came, its final one written once settled (with
        the hub's usage) and handed to `on_done` (to store it)."""
        async for event in session.events():
            if event.raw is not None:
                yield event.raw
            elif event.kind == "usage":
                held = [self._with_usage(e, event.data, followed) for e in event.held or []]
                for final in held:
                    if on_done is not None and isinstance(final.get("response"), dict):
                        await on_done(final["response"])
                yield b"".join(_event(e) for e in held)
            elif event.error is not None:
                yield self.native_error(event.error)

    def _with_usage(
        self, event: dict[str, Any], usage: dict[str, Any], followed: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        response = event.get("response")
        if not isinstance(response, dict):
            return event
        return {**event, "response": {**self.render_native(response, usage), **(followed or {})}}

    def render_native(self, native: dict[str, Any], usage: dict[str, Any]) -> dict[str, Any]:
        return {**native, "usage": native_usage(native.get("usage"), usage)}

    def answer_native(self, result: Result, echo: dict[str, Any]) -> dict[str, Any]:
        """A passthrough answer: the upstream's Response with the hub's usage, and the response it follows."""
        assert result.native is not None
        return {**self.render_native(result.native, result.body["usage"]), **_followed(echo)}

    def finish_native(self, held: list[dict[str, Any]], usage: dict[str, Any], *, sse: bool = True) -> bytes:
        return b"".join(_event(self._with_usage(e, usage)) for e in held)

    def native_error(self, exc: HubError, *, sse: bool = True) -> bytes:
        return _event({"type": "error", "code": exc.code, "message": exc.message, "param": None})

    def error_body(self, exc: HubError) -> dict[str, Any]:
        return exc.as_openai()


RESPONSES = ResponsesFormat()
