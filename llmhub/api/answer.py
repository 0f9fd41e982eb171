"""The body every completion endpoint shares: stream or complete through the gateway, render in a format."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase

from llmhub import gateway
from llmhub.api.formats import ClientFormat
from llmhub.api.request import ApiRequest
from llmhub.api.request_headers import headers_of
from llmhub.api.responses import MeteredStreamingResponse, json_response
from llmhub.providers.base import ChatRequest


async def answer(
    api: ApiRequest, wire: ClientFormat, chat: ChatRequest, body: Any = None, *, sse: bool = True
) -> HttpResponseBase:
    """The gateway's answer to `chat` in `wire`'s format: a metered stream, or JSON with the call's headers.

    With the client's `body`, an upstream that speaks `wire`'s format natively gets that body (passthrough)."""
    if body is not None:
        wire.keep_native(chat, body, headers_of(api.http))
    if chat.stream:
        session = await gateway.open_stream(api.caller, chat, cache=api.cache)
        content = wire.answer_stream(session, sse=sse)
        return MeteredStreamingResponse(session, content, wire.stream_content_type(sse=sse))
    result = await gateway.complete(api.caller, chat, cache=api.cache)
    return json_response(wire.answer_body(result), headers=result.call.headers())
