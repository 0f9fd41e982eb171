"""The native-format endpoints: Anthropic's /v1/messages and Gemini's generateContent, for any model."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBase

from llmhub import gateway, streaming
from llmhub.api.decorators import api_endpoint, read_json
from llmhub.api.openai_format import MeteredStreamingResponse, json_response
from llmhub.catalog import asnapshot, find_model
from llmhub.errors import HubError
from llmhub.response_cache import mode_from_headers
from llmhub.tokens import prompt_tokens_estimate
from llmhub.translate.anthropic_format import from_anthropic_request
from llmhub.translate.anthropic_messages import error_to_anthropic, message_to_anthropic
from llmhub.translate.anthropic_stream import anthropic_sse
from llmhub.translate.gemini_format import from_gemini_request
from llmhub.translate.gemini_responses import error_to_gemini, gemini_stream, response_to_gemini


def anthropic_error(exc: HubError) -> HttpResponse:
    return json_response(error_to_anthropic(exc), status=exc.status, headers=exc.headers())


def gemini_error(exc: HubError) -> HttpResponse:
    return json_response(error_to_gemini(exc), status=exc.status, headers=exc.headers())


@api_endpoint(render_error=anthropic_error)
async def messages(request: HttpRequest) -> HttpResponseBase:
    chat = from_anthropic_request(read_json(request))
    cache = mode_from_headers(request.headers)
    if chat.stream:
        session = await streaming.open_stream(request.caller, chat, cache=cache)  # type: ignore[attr-defined]
        return MeteredStreamingResponse(session, anthropic_sse(session), "text/event-stream")
    result = await gateway.complete(request.caller, chat, cache=cache)  # type: ignore[attr-defined]
    return json_response(message_to_anthropic(result.body, result.call.request_id), headers=result.call.headers())


@api_endpoint(render_error=anthropic_error)
async def count_tokens(request: HttpRequest) -> HttpResponse:
    """The hub's own estimate (no upstream call, nothing billed): coding agents ask before long prompts."""
    chat = from_anthropic_request(read_json(request), counting=True)
    find_model((await asnapshot()).models, chat.model)
    return json_response({"input_tokens": prompt_tokens_estimate(chat.messages, chat.params.get("tools"))})


@api_endpoint(render_error=gemini_error)
async def generate_content(request: HttpRequest, model: str, method: str) -> HttpResponseBase:
    chat = from_gemini_request(read_json(request), model, stream=method == "streamGenerateContent")
    cache = mode_from_headers(request.headers)
    if chat.stream:
        session = await streaming.open_stream(request.caller, chat, cache=cache)  # type: ignore[attr-defined]
        sse = request.GET.get("alt") == "sse"
        content_type = "text/event-stream" if sse else "application/json"
        return MeteredStreamingResponse(session, gemini_stream(session, sse=sse), content_type)
    result = await gateway.complete(request.caller, chat, cache=cache)  # type: ignore[attr-defined]
    return json_response(response_to_gemini(result.body, result.call.request_id), headers=result.call.headers())
