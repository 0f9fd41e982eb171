"""The OpenAI-compatible /v1 endpoints: chat completions, models and generation lookup."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBase

from llmhub import gateway, streaming
from llmhub.api.decorators import api_endpoint, read_json
from llmhub.api.model_list import model_entry, model_list
from llmhub.api.openai_format import MeteredStreamingResponse, json_response, openai_sse, parse_chat_request
from llmhub.catalog import asnapshot, find_model
from llmhub.db_executor import run_db
from llmhub.errors import NotFound
from llmhub.response_cache import mode_from_headers
from llmhub.usage_lookup import generation_for


@api_endpoint()
async def chat_completions(request: HttpRequest) -> HttpResponseBase:
    chat = parse_chat_request(read_json(request))
    cache = mode_from_headers(request.headers)
    if chat.stream:
        session = await streaming.open_stream(request.caller, chat, cache=cache)  # type: ignore[attr-defined]
        return MeteredStreamingResponse(session, openai_sse(session), "text/event-stream")
    result = await gateway.complete(request.caller, chat, cache=cache)  # type: ignore[attr-defined]
    return json_response(result.body, headers=result.call.headers())


@api_endpoint(methods=("GET",))
async def models(request: HttpRequest) -> HttpResponse:
    return json_response(model_list(await asnapshot()))


@api_endpoint(methods=("GET",))
async def model_detail(request: HttpRequest, model: str) -> HttpResponse:
    snap = await asnapshot()
    return json_response(model_entry(find_model(snap.models, model), demo=snap.demo))


@api_endpoint(methods=("GET",))
async def generation(request: HttpRequest) -> HttpResponse:
    request_id = request.GET.get("id", "")
    found = await run_db(generation_for, request_id, request.caller.user_id)  # type: ignore[attr-defined]
    if found is None:
        raise NotFound(f"No generation '{request_id}' for this key's owner.", code="generation_not_found", param="id")
    return json_response(found)
