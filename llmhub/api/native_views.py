"""The native-format endpoints: Anthropic's /v1/messages, Gemini's generateContent, countTokens, embeddings
and models."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBase

from llmhub import gateway
from llmhub.api.answer import answer
from llmhub.api.decorators import api_endpoint
from llmhub.api.formats import ANTHROPIC, GEMINI
from llmhub.api.formats.gemini_embeddings import (
    parse_batch_embed_contents,
    parse_embed_content,
    render_embedding,
    render_embeddings,
)
from llmhub.api.formats.gemini_models import gemini_model, gemini_model_list
from llmhub.api.request import ApiRequest
from llmhub.api.responses import json_response
from llmhub.catalog import asnapshot, find_model


@api_endpoint(wire=ANTHROPIC)
async def messages(api: ApiRequest) -> HttpResponseBase:
    body = api.json()
    return await answer(api, ANTHROPIC, ANTHROPIC.parse(body), body)


@api_endpoint(wire=ANTHROPIC)
async def count_tokens(api: ApiRequest) -> HttpResponse:
    """The hub's own estimate (no upstream call, nothing billed): coding agents ask before long prompts."""
    chat = ANTHROPIC.parse(api.json(), counting=True)
    find_model((await asnapshot()).models, chat.model)
    return json_response({"input_tokens": gateway.prompt_tokens_estimate(chat.messages, chat.params.get("tools"))})


@api_endpoint(wire=GEMINI)
async def generate_content(api: ApiRequest, model: str, method: str) -> HttpResponseBase:
    body = api.json()
    chat = GEMINI.parse(body, model=model, stream=method == "streamGenerateContent")
    return await answer(api, GEMINI, chat, body, sse=api.query("alt") == "sse")


@api_endpoint(wire=GEMINI)
async def gemini_count_tokens(api: ApiRequest, model: str) -> HttpResponse:
    """The hub's own estimate, as Anthropic's count_tokens: no upstream call, nothing billed."""
    chat = GEMINI.parse_count(api.json(), model=model)
    find_model((await asnapshot()).models, chat.model)
    return json_response({"totalTokens": gateway.prompt_tokens_estimate(chat.messages, chat.params.get("tools"))})


@api_endpoint(wire=GEMINI)
async def embed_content(api: ApiRequest, model: str) -> HttpResponse:
    result = await gateway.embed(api.caller, parse_embed_content(api.json(), model))
    return json_response(render_embedding(result), headers=result.call.headers())


@api_endpoint(wire=GEMINI)
async def batch_embed_contents(api: ApiRequest, model: str) -> HttpResponse:
    result = await gateway.embed(api.caller, parse_batch_embed_contents(api.json(), model))
    return json_response(render_embeddings(result), headers=result.call.headers())


@api_endpoint(methods=("GET",), wire=GEMINI)
async def gemini_models(api: ApiRequest) -> HttpResponse:
    return json_response(gemini_model_list(await asnapshot()))


@api_endpoint(methods=("GET",), wire=GEMINI)
async def gemini_model_detail(api: ApiRequest, model: str) -> HttpResponse:
    return json_response(gemini_model(find_model((await asnapshot()).models, model.removeprefix("models/"))))
