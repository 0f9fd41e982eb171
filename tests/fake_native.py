"""Anthropic's and Gemini's wire formats for the fake upstream: JSON, SSE (all event kinds), errors, safety blocks.

Anthropic Messages at POST /anthropic/v1/messages; Gemini at POST
/gemini/v1beta/models/{model}:generateContent and :streamGenerateContent?alt=sse. The same behaviours
script them as the OpenAI routes (Reply, Fail, Stall, Drop, Garbage; a Reply's raw_usage replaces the usage
object, its raw_chunks are sent verbatim after the first text event), plus NativeReply for cache and thought
tokens and a mid-stream error event, and Blocked for Gemini's safety blocks.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fake_upstream import (
    Drop,
    Fail,
    FakeUpstream,
    Reply,
    apply_pre_response,
    default_completion_tokens,
    fake_vector,
)

ANTHROPIC_ERRORS = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error"}
ANTHROPIC_ERRORS |= {404: "not_found_error", 429: "rate_limit_error", 529: "overloaded_error"}
GEMINI_STATUSES = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED"}
STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}
FINISH_REASONS = {"stop": "STOP", "length": "MAX_TOKENS", "tool_calls": "STOP"}


@dataclass
class NativeReply(Reply):
    """A Reply with the token kinds only native formats report, and optionally an error after one chunk."""

    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    thoughts_tokens: int = 0
    stream_error: str | None = None  # Anthropic error type, or Gemini status, sent mid-stream


@dataclass
class Blocked:
    """Gemini's safety block: of the prompt (promptFeedback.blockReason) or of the answer (finishReason)."""

    prompt: bool = True


def _pieces(reply: Reply) -> list[str]:
    if reply.chunks is not None:
        return reply.chunks
    return [w if i == 0 else " " + w for i, w in enumerate(reply.text.split(" "))] if reply.text else []


def _finish(reply: Reply) -> str:
    return reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")


def _cache(reply: Reply, name: str) -> int:
    return int(getattr(reply, name, 0))


async def _next(fake: FakeUpstream, request: web.Request, model: str) -> tuple[Any, int | None]:
    """The behaviour for this request after the shared ones (stall, drop, garbage) are applied."""
    behavior = fake.next_behavior(model)
    if isinstance(behavior, (Fail, Blocked)):
        return behavior, None
    outcome = await apply_pre_response(behavior, request)
    drop_after = behavior.after_chunks if isinstance(behavior, Drop) else None
    if isinstance(outcome, (web.StreamResponse, Reply)):
        return outcome, drop_after
    return Reply(text=f"Hello from fake {model}."), drop_after


async def _send_events(
    request: web.Request, fake: FakeUpstream, frames: list[bytes], reply: Reply, drop_after: int | None
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    fake.active_streams += 1
    try:
        for sent, frame in enumerate(frames):
            if drop_after is not None and sent >= drop_after:
                # Let the hub read what was sent first: a reset makes the receiver discard unread data.
                await asyncio.sleep(0.1)
                if request.transport is not None:
                    request.transport.abort()
                return response
            await response.write(frame)
            if reply.chunk_delay:
                await asyncio.sleep(reply.chunk_delay)
        await response.write_eof()
    finally:
        fake.active_streams -= 1
    return response


# --- Anthropic -------------------------------------------------------------------------------------------


def _anthropic_error(fail: Fail) -> web.Response:
    body = fail.raw_body
    if body is None:
        error = {"type": ANTHROPIC_ERRORS.get(fail.status, "api_error"), "message": fail.message}
        body = json.dumps({"type": "error", "error": error}).encode()
    return web.Response(status=fail.status, body=body, headers=fail.headers, content_type="application/json")


def _anthropic_counts(reply: Reply) -> dict[str, int]:
    return {
        "input_tokens": reply.prompt_tokens,
        "output_tokens": default_completion_tokens(reply),
        "cache_read_input_tokens": _cache(reply, "cache_read_tokens"),
        "cache_creation_input_tokens": _cache(reply, "cache_write_tokens"),
    }


def _anthropic_usage(reply: Reply) -> Any:
    return _anthropic_counts(reply) if reply.raw_usage is None else reply.raw_usage


def _tool_uses(reply: Reply) -> list[dict[str, Any]]:
    return [
        {
            "type": "tool_use",
            "id": call.get("id") or "toolu_" + uuid.uuid4().hex[:12],
            "name": call["function"]["name"],
            "input": json.loads(call["function"].get("arguments") or "{}"),
        }
        for call in reply.tool_calls or []
    ]


def _anthropic_message(model: str, reply: Reply) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
    return {
        "id": "msg_fake_" + uuid.uuid4().hex[:8],
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content + _tool_uses(reply),
        "stop_reason": STOP_REASONS.get(_finish(reply), "end_turn"),
        "stop_sequence": None,
        "usage": _anthropic_usage(reply),
    }


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def _raw_event(raw: Any) -> bytes:
    """A hostile event as sent: named for its `type` when it has one, its data any JSON at all."""
    name = raw.get("type") if isinstance(raw, dict) and isinstance(raw.get("type"), str) else "message"
    return f"event: {name}\ndata: {json.dumps(raw)}\n\n".encode()


def _anthropic_frames(model: str, reply: Reply) -> list[bytes]:
    message = _anthropic_message(model, reply)
    counts = _anthropic_counts(reply)  # raw_usage replaces only message_delta's usage, the final one
    start = {**message, "content": [], "stop_reason": None, "usage": {**counts, "output_tokens": 1}}
    frames = [_sse("message_start", {"type": "message_start", "message": start})]
    index = 0
    pieces = _pieces(reply)
    if pieces:
        block = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
        frames.append(_sse("content_block_start", block))
        if reply.keepalives:
            frames.append(_sse("ping", {"type": "ping"}))
        for n, piece in enumerate(pieces):
            delta = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
            frames.append(_sse("content_block_delta", delta))
            if n == 0 and reply.raw_chunks is not None:
                frames += [_raw_event(raw) for raw in reply.raw_chunks]
            if error_type := getattr(reply, "stream_error", None):
                error = {"type": "error", "error": {"type": error_type, "message": "Overloaded"}}
                return [*frames, _sse("error", error)]
        frames.append(_sse("content_block_stop", {"type": "content_block_stop", "index": 0}))
        index = 1
    for offset, tool in enumerate(_tool_uses(reply)):
        block = {"type": "content_block_start", "index": index + offset, "content_block": {**tool, "input": {}}}
        frames.append(_sse("content_block_start", block))
        arguments = json.dumps(tool["input"])
        for part in (arguments[: len(arguments) // 2], arguments[len(arguments) // 2 :]):
            delta = {"type": "input_json_delta", "partial_json": part}
            frames.append(
                _sse("content_block_delta", {"type": "content_block_delta", "index": index + offset, "delta": delta})
            )
        frames.append(_sse("content_block_stop", {"type": "content_block_stop", "index": index + offset}))
    delta = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    usage = {"output_tokens": counts["output_tokens"]} if reply.raw_usage is None else reply.raw_usage
    frames.append(_sse("message_delta", {"type": "message_delta", "delta": delta, "usage": usage}))
    frames.append(_sse("message_stop", {"type": "message_stop"}))
    return frames


# --- Gemini ----------------------------------------------------------------------------------------------


def _gemini_error(fail: Fail) -> web.Response:
    body = fail.raw_body
    if body is None:
        error = {"code": fail.status, "message": fail.message, "status": GEMINI_STATUSES.get(fail.status, "INTERNAL")}
        body = json.dumps({"error": error}).encode()
    return web.Response(status=fail.status, body=body, headers=fail.headers, content_type="application/json")


def _gemini_usage(reply: Reply, completion: int | None = None) -> Any:
    if reply.raw_usage is not None and completion is None:  # in a stream, only the final chunk's
        return reply.raw_usage
    candidates = default_completion_tokens(reply) if completion is None else completion
    thoughts = _cache(reply, "thoughts_tokens")
    usage = {
        "promptTokenCount": reply.prompt_tokens,
        "candidatesTokenCount": candidates,
        "totalTokenCount": reply.prompt_tokens + candidates + thoughts,
    }
    if _cache(reply, "cache_read_tokens"):
        usage["cachedContentTokenCount"] = _cache(reply, "cache_read_tokens")
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    return usage


def _calls(reply: Reply) -> list[dict[str, Any]]:
    return [{"functionCall": {"name": t["name"], "args": t["input"]}} for t in _tool_uses(reply)]


def _blocked(block: Blocked) -> dict[str, Any]:
    usage = {"promptTokenCount": 9, "totalTokenCount": 9}
    if block.prompt:
        return {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": usage}
    return {"candidates": [{"finishReason": "SAFETY", "index": 0}], "usageMetadata": usage}


def _gemini_response(model: str, reply: Reply) -> dict[str, Any]:
    parts = ([{"text": reply.text}] if reply.text else []) + _calls(reply)
    candidate = {
        "content": {"role": "model", "parts": parts},
        "finishReason": FINISH_REASONS.get(_finish(reply), "STOP"),
    }
    return {"candidates": [{**candidate, "index": 0}], "usageMetadata": _gemini_usage(reply), "modelVersion": model}


def _gemini_frames(model: str, reply: Reply) -> list[bytes]:
    frames, pieces = [], _pieces(reply)
    for n, piece in enumerate(pieces):
        chunk: dict[str, Any] = {"candidates": [{"content": {"role": "model", "parts": [{"text": piece}]}, "index": 0}]}
        chunk |= {"usageMetadata": _gemini_usage(reply, completion=n + 1), "modelVersion": model}
        frames.append(b"data: " + json.dumps(chunk).encode() + b"\r\n\r\n")
        if n == 0 and reply.raw_chunks is not None:
            frames += [b"data: " + json.dumps(raw).encode() + b"\r\n\r\n" for raw in reply.raw_chunks]
        if status := getattr(reply, "stream_error", None):
            error = {"error": {"code": 503, "message": "The model is overloaded.", "status": status}}
            return [*frames, b"data: " + json.dumps(error).encode() + b"\r\n\r\n"]
    final = _gemini_response(model, reply)
    final["candidates"][0]["content"]["parts"] = _calls(reply) or [{"text": ""}]
    frames.append(b"data: " + json.dumps(final).encode() + b"\r\n\r\n")
    return frames


def _gemini_embeddings(body: dict[str, Any]) -> web.Response:
    embeddings = [
        {"values": fake_vector(one["content"]["parts"][0]["text"], one.get("outputDimensionality"))}
        for one in body["requests"]
    ]
    return web.json_response({"embeddings": embeddings})


def routes(fake: FakeUpstream) -> list[web.RouteDef]:
    async def anthropic_messages(request: web.Request) -> web.StreamResponse:
        body = await fake.record(request)
        model = body.get("model", "") if isinstance(body, dict) else ""
        behavior, drop_after = await _next(fake, request, model)
        if isinstance(behavior, Fail):
            return _anthropic_error(behavior)
        if isinstance(behavior, web.StreamResponse):
            return behavior
        if isinstance(behavior, Blocked):
            return web.json_response({**_anthropic_message(model, Reply()), "stop_reason": "refusal"})
        if body.get("stream"):
            return await _send_events(request, fake, _anthropic_frames(model, behavior), behavior, drop_after)
        return web.json_response(_anthropic_message(model, behavior))

    async def gemini_generate(request: web.Request) -> web.StreamResponse:
        body = await fake.record(request)
        model, _, method = request.match_info["target"].partition(":")
        if method == "batchEmbedContents":
            return _gemini_embeddings(body)
        behavior, drop_after = await _next(fake, request, model)
        if isinstance(behavior, Fail):
            return _gemini_error(behavior)
        if isinstance(behavior, web.StreamResponse):
            return behavior
        if isinstance(behavior, Blocked) and method != "streamGenerateContent":
            return web.json_response(_blocked(behavior))
        if isinstance(behavior, Blocked):
            frame = b"data: " + json.dumps(_blocked(behavior)).encode() + b"\r\n\r\n"
            return await _send_events(request, fake, [frame], Reply(), None)
        if method == "streamGenerateContent":
            if request.query.get("alt") != "sse":
                return _gemini_error(Fail(400, "this fake speaks only alt=sse streams"))
            return await _send_events(request, fake, _gemini_frames(model, behavior), behavior, drop_after)
        return web.json_response(_gemini_response(model, behavior))

    return [
        web.post("/anthropic/v1/messages", anthropic_messages),
        web.post("/gemini/v1beta/models/{target}", gemini_generate),
    ]
