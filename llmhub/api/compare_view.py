"""POST /v1/compare: one prompt to 2–4 models at once, each answer with its latency, tokens and cost."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from llmhub.api.decorators import api_endpoint, read_json
from llmhub.api.openai_format import json_response
from llmhub.compare import parse_compare_request, run_comparison


@api_endpoint()
async def compare(request: HttpRequest) -> HttpResponse:
    requests = parse_compare_request(read_json(request))
    return json_response(await run_comparison(request.caller, requests))  # type: ignore[attr-defined]
