"""OpenAI's Responses format at the edge (POST /v1/responses), for any catalog model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from llmhub.api.formats.base import ClientFormat
from llmhub.api.formats.responses_request import ResponsesRequest, parse_responses_request
from llmhub.api.formats.responses_response import render_response
from llmhub.api.formats.responses_stream import OnDone, responses_sse
from llmhub.errors import HubError
from llmhub.gateway import Call, Result, Stream


def response_id_of(call: Call) -> str:
    return "resp_" + call.request_id.removeprefix("req_")


class ResponsesFormat(ClientFormat):
    name = "responses"

    def parse(self, body: Any, history: list[dict[str, Any]] | None = None) -> ResponsesRequest:
        return parse_responses_request(body, history)

    def render(self, result: Result, echo: dict[str, Any] | None = None) -> dict[str, Any]:
        return render_response(result.body, response_id_of(result.call), echo or {})

    def stream(
        self, session: Stream, *, sse: bool = True, echo: dict[str, Any] | None = None, on_done: OnDone | None = None
    ) -> AsyncIterator[bytes]:
        return responses_sse(session, response_id_of(session.call), echo or {}, on_done)

    def error_body(self, exc: HubError) -> dict[str, Any]:
        return exc.as_openai()


RESPONSES = ResponsesFormat()
