"""Comparing models: one prompt sent to 2–4 models at once, each call its own metered gateway request."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from llmhub.errors import HubError
from llmhub.gateway.call import Caller
from llmhub.gateway.completion import complete
from llmhub.providers.base import ChatRequest


async def _one(caller: Caller, request: ChatRequest) -> dict[str, Any]:
    started = time.monotonic()
    try:
        result = await complete(caller, request)
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
