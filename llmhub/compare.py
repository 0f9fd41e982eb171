"""Comparing models: one prompt sent to 2–4 models at once, each call its own metered gateway request.

`compare_models(caller, models, messages)` is the reusable part (the browser chat's compare view can call
it too); `parse_compare_request` validates the /v1/compare body.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from llmhub import gateway
from llmhub.api.openai_format import parse_chat_request
from llmhub.errors import HubError, InvalidRequest
from llmhub.gateway import Caller
from llmhub.providers.base import ChatRequest

MIN_MODELS, MAX_MODELS = 2, 4


def parse_compare_request(body: Any) -> list[ChatRequest]:
    """One validated ChatRequest per model from `{"models": [...], "messages": [...] | "message": "..."}`."""
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    models = body.get("models")
    if (
        not isinstance(models, list)
        or not all(isinstance(m, str) and m.strip() for m in models)
        or not MIN_MODELS <= len(models) <= MAX_MODELS
    ):
        raise InvalidRequest(f"'models' must be an array of {MIN_MODELS} to {MAX_MODELS} model names.", param="models")
    if len(set(models)) != len(models):
        raise InvalidRequest("'models' lists the same model twice.", param="models")
    if "message" in body and "messages" in body:
        raise InvalidRequest("Send either 'message' or 'messages', not both.", param="message")
    if "message" in body:
        message = body["message"]
        if not isinstance(message, str) or not message.strip():
            raise InvalidRequest("'message' must be a non-empty string.", param="message")
        messages: Any = [{"role": "user", "content": message}]
    else:
        messages = body.get("messages")
    if body.get("stream"):
        raise InvalidRequest("/v1/compare does not stream; leave out 'stream'.", param="stream")
    if "model" in body:
        raise InvalidRequest("Use 'models' (an array) with /v1/compare, not 'model'.", param="model")
    params = {k: v for k, v in body.items() if k not in ("models", "message", "messages")}
    return [parse_chat_request({**params, "model": model, "messages": messages}) for model in models]


async def _one(caller: Caller, request: ChatRequest) -> dict[str, Any]:
    started = time.monotonic()
    try:
        result = await gateway.complete(caller, request)
    except HubError as exc:
        return {
            "model": request.model,
            "latency": round(time.monotonic() - started, 3),
            "request_id": exc.request_id,
            "status": exc.status,
            **exc.as_openai(),
        }
    body = result.body
    choices = body.get("choices") or [{}]
    usage = body["usage"]
    return {
        "model": request.model,
        "model_served": body.get("model"),
        "response": (choices[0].get("message") or {}).get("content") or "",
        "latency": round(time.monotonic() - started, 3),
        "usage": usage,
        "cost": usage["cost"],
        "request_id": result.call.request_id,
        "route": result.call.route,
    }


async def run_comparison(caller: Caller, requests: list[ChatRequest]) -> dict[str, Any]:
    """Run the requests concurrently through the gateway; a model's failure is its entry, not the whole call's."""
    results = await asyncio.gather(*(_one(caller, request) for request in requests))
    return {"object": "comparison", "results": list(results)}


async def compare_models(
    caller: Caller, models: list[str], messages: list[dict[str, Any]], **params: Any
) -> dict[str, Any]:
    """The same conversation to each model (validated as /v1/compare validates it), results in model order."""
    return await run_comparison(caller, parse_compare_request({**params, "models": models, "messages": messages}))
