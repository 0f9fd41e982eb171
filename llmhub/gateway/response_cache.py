"""The response cache: an identical request from the same team within RESPONSE_CACHE_TTL is answered again.

Only deterministic requests are cached (temperature 0) unless the client opts in with
`x-llmhub-cache: use`; `x-llmhub-cache: skip` or `Cache-Control: no-cache` opts out. Entries live in the
Django cache alias `responses` (Redis when REDIS_URL is set, else the table `llmhub_response_cache`).
The key ignores `stream`, `stream_options` and `user`, so a stream can be served from a JSON answer and
the other way round; the team is part of the key, so one team never sees another's answers.
A request whose own body holds what its canonical form dropped (cache_control, thinking, safetySettings...)
also keys on that body: a passthrough of it is never answered with an entry made for a body without them,
while plain requests still hit across formats (an Anthropic body answered from an OpenAI one's entry).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches

from llmhub.infra.db_executor import run_db
from llmhub.providers.base import ChatRequest, Usage

log = logging.getLogger("llmhub.gateway.response_cache")

DEFAULT, USE, SKIP = "default", "use", "skip"
# Fields that change how an answer is delivered or attributed, not what it says.
IGNORED_PARAMS = {"stream", "stream_options", "user"}


@dataclass(frozen=True)
class CacheMode:
    """What the client asked of the cache for one request: default (temperature 0 only), use, or skip."""

    mode: str = DEFAULT

    def applies_to(self, request: ChatRequest) -> bool:
        if self.mode == SKIP or settings.RESPONSE_CACHE_TTL <= 0:
            return False
        if request.untranslatable is not None:
            # It asks what the key cannot see (image output, a Gemini cache, audio): never another's answer.
            return False
        if self.mode == USE:
            return True
        temperature = request.params.get("temperature")
        return temperature == 0 and not isinstance(temperature, bool)


def mode_from_headers(headers: Mapping[str, str]) -> CacheMode:
    """`x-llmhub-cache: use|skip`; `Cache-Control: no-cache` (or no-store) also skips."""
    asked = (headers.get("x-llmhub-cache") or "").strip().lower()
    if asked == SKIP or any(
        d.strip() in ("no-cache", "no-store") for d in (headers.get("Cache-Control") or "").lower().split(",")
    ):
        return CacheMode(SKIP)
    if asked == USE:
        return CacheMode(USE)
    return CacheMode(DEFAULT)


@dataclass
class CachedAnswer:
    """A stored completion: the body without usage, the usage it cost then, the model that served it."""

    body: dict[str, Any]
    usage: Usage
    model: str
    route: dict[str, Any] | None


def _native_beyond_canonical(request: ChatRequest) -> dict[str, Any] | None:
    """The client's own body, when it asks for what the canonical form dropped (delivery fields aside)."""
    if not request.dropped or request.native is None:
        return None
    body = {k: v for k, v in request.native.body.items() if k not in IGNORED_PARAMS}
    return {"format": request.native.wire_format, "body": body}


def cache_key(team_id: int, request: ChatRequest) -> str:
    canonical = {
        "model": request.model,
        "messages": request.messages,
        "params": {k: v for k, v in request.params.items() if k not in IGNORED_PARAMS},
        "fallbacks": request.fallbacks,
    }
    native = _native_beyond_canonical(request)
    if native is not None:
        canonical["native"] = native
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str).encode())
    return f"chat:{team_id}:{digest.hexdigest()}"


def _usage_dict(usage: Usage) -> dict[str, int]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "cached_tokens": usage.cached_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "images": usage.images,
    }


async def lookup(team_id: int, request: ChatRequest) -> CachedAnswer | None:
    """The stored answer for this team's identical request, or None. A broken cache is a miss, not an error."""
    if request.untranslatable is not None:
        return None  # its canonical form leaves pieces out: an answer to that form is not an answer to it
    try:
        raw = await run_db(caches["responses"].get, cache_key(team_id, request))
    except Exception:  # the cache is an optimisation; an outage must not fail requests
        log.warning("response cache read failed", exc_info=True)
        return None
    if not isinstance(raw, dict):
        return None
    return CachedAnswer(body=raw["body"], usage=Usage(**raw["usage"]), model=raw["model"], route=raw.get("route"))


async def store(
    team_id: int, request: ChatRequest, body: dict[str, Any], usage: Usage, model: str, route: dict[str, Any] | None
) -> None:
    entry = {
        "body": {k: v for k, v in body.items() if k != "usage"},
        "usage": _usage_dict(usage),
        "model": model,
        "route": route,
    }
    try:
        await run_db(caches["responses"].set, cache_key(team_id, request), entry, settings.RESPONSE_CACHE_TTL)
    except Exception:  # see lookup
        log.warning("response cache write failed", exc_info=True)


def body_from_chunks(chunks: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Rebuild a chat.completion from streamed chunks; None when they carried anything but text."""
    if not chunks:
        return None
    texts: dict[int, list[str]] = {}
    finish: dict[int, str | None] = {}
    for chunk in chunks:
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("tool_calls") or delta.get("function_call"):
                return None
            index = int(choice.get("index") or 0)
            texts.setdefault(index, []).append(delta.get("content") or "")
            if choice.get("finish_reason"):
                finish[index] = choice["finish_reason"]
    first = chunks[0]
    return {
        "id": first.get("id", ""),
        "object": "chat.completion",
        "created": first.get("created", 0),
        "model": first.get("model", ""),
        "choices": [
            {
                "index": index,
                "message": {"role": "assistant", "content": "".join(parts)},
                "finish_reason": finish.get(index, "stop"),
            }
            for index, parts in sorted(texts.items())
        ],
    }


def chunks_from_body(body: dict[str, Any]) -> list[dict[str, Any]]:
    """A cached chat.completion replayed as chat.completion.chunk objects (role, content, tool calls, finish)."""
    base = {
        "id": body.get("id", ""),
        "object": "chat.completion.chunk",
        "created": body.get("created", 0),
        "model": body.get("model", ""),
    }
    chunks = []
    for choice in body.get("choices") or []:
        index = choice.get("index", 0)
        message = choice.get("message") or {}
        delta: dict[str, Any] = {"role": "assistant", "content": message.get("content") or ""}
        if message.get("tool_calls"):
            delta["tool_calls"] = [{**call, "index": i} for i, call in enumerate(message["tool_calls"])]
        chunks.append({**base, "choices": [{"index": index, "delta": delta, "finish_reason": None}]})
        finish = {"index": index, "delta": {}, "finish_reason": choice.get("finish_reason") or "stop"}
        chunks.append({**base, "choices": [finish]})
    return chunks
