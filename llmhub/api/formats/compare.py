"""The hub's own /v1/compare body: one prompt for 2–4 models, validated into one chat request each."""

from __future__ import annotations

from typing import Any

from llmhub.api.formats.openai import parse_chat_request
from llmhub.errors import InvalidRequest
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
