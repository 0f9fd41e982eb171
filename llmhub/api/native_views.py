"""The native-format endpoints: Anthropic's /v1/messages and Gemini's generateContent, for any model."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBase

from llmhub import gateway
from llmhub.api.answer import answer
from llmhub.api.decorators import api_endpoint
from llmhub.api.formats import ANTHROPIC, GEMINI
from llmhub.api.request import ApiRequest
from llmhub.api.responses import json_response
from llmhub.catalog import asnapshot, find_model


@api_endpoint(wire=ANTHROPIC)
async def messages(api: ApiRequest) -> HttpResponseBase:
    return await answer(api, ANTHROPIC, ANTHROPIC.parse(api.json()))


@api_endpoint(wire=ANTHROPIC)
async def count_tokens(api: ApiRequest) -> HttpResponse:
    """The hub's own estimate (no upstream call, nothing billed): coding agents ask before long prompts."""
    chat = ANTHROPIC.parse(api.json(), counting=True)
    find_model((await asnapshot()).models, chat.model)
    return json_response({"input_tokens": gateway.prompt_tokens_estimate(chat.messages, chat.params.get("tools"))})


@api_endpoint(wire=GEMINI)
async def generate_content(api: ApiRequest, model: str, method: str) -> HttpResponseBase:
    chat = GEMINI.parse(api.json(), model=model, stream=method == "streamGenerateContent")
    return await answer(api, GEMINI, chat, sse=api.query("alt") == "sse")
