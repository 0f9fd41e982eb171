"""The OpenAI-compatible /v1 endpoints: chat completions, embeddings, models, generation lookup, compare and usage."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBase

from billing.selectors import generation_for, month_usage
from llmhub import gateway
from llmhub.api.answer import answer
from llmhub.api.auth import authenticates_like_gemini
from llmhub.api.decorators import api_endpoint
from llmhub.api.formats import OPENAI
from llmhub.api.formats.compare import parse_compare_request
from llmhub.api.formats.gemini_models import gemini_model, gemini_model_list
from llmhub.api.formats.openai_embeddings import parse_embedding_request, render_embeddings
from llmhub.api.model_list import model_entry, model_list
from llmhub.api.request import ApiRequest
from llmhub.api.responses import json_response
from llmhub.catalog import asnapshot, find_model
from llmhub.errors import InvalidRequest, NotFound
from llmhub.infra.db_executor import run_db


@api_endpoint()
async def chat_completions(api: ApiRequest) -> HttpResponseBase:
    return await answer(api, OPENAI, OPENAI.parse(api.json()))


@api_endpoint()
async def embeddings(api: ApiRequest) -> HttpResponse:
    request, encoding = parse_embedding_request(api.json())
    result = await gateway.embed(api.caller, request)
    return json_response(render_embeddings(result, encoding), headers=result.call.headers())


@api_endpoint(methods=("GET",))
async def models(api: ApiRequest) -> HttpResponse:
    """OpenAI's list, or Gemini's for a client that authenticates the Gemini way (google-genai uses /v1)."""
    if authenticates_like_gemini(api.http):
        return json_response(gemini_model_list(await asnapshot()))
    return json_response(model_list(await asnapshot()))


@api_endpoint(methods=("GET",))
async def model_detail(api: ApiRequest, model: str) -> HttpResponse:
    snap = await asnapshot()
    spec = find_model(snap.models, model.removeprefix("models/"))
    return json_response(
        gemini_model(spec) if authenticates_like_gemini(api.http) else model_entry(spec, demo=spec.simulated)
    )


@api_endpoint(methods=("GET",))
async def generation(api: ApiRequest) -> HttpResponse:
    request_id = api.query("id")
    found = await run_db(generation_for, request_id, api.caller.user_id)
    if found is None:
        raise NotFound(f"No generation '{request_id}' for this key's owner.", code="generation_not_found", param="id")
    return json_response(found)


@api_endpoint()
async def compare(api: ApiRequest) -> HttpResponse:
    """One prompt to 2–4 models at once, each answer with its latency, tokens and cost."""
    return json_response(await gateway.run_comparison(api.caller, parse_compare_request(api.json())))


@api_endpoint(methods=("GET",))
async def usage(api: ApiRequest) -> HttpResponse:
    """The key owner's spend this calendar month, by model."""
    if api.query("period", "month") != "month":
        raise InvalidRequest("'period' must be 'month' (the current calendar month).", param="period")
    return json_response(await run_db(month_usage, user_id=api.caller.user_id, team_id=api.caller.team_id))
