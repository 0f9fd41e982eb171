"""The OpenAI chat-completions wire format for the fake upstream: JSON, SSE, errors."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from aiohttp import web

from tests.fake_upstream import (
    Drop,
    Fail,
    FakeUpstream,
    Garbage,
    Reply,
    Trickle,
    apply_pre_response,
    default_completion_tokens,
    fake_vector,
    now,
)


def _usage(reply: Reply) -> Any:
    if reply.raw_usage is not None:
        return reply.raw_usage
    completion = default_completion_tokens(reply)
    usage: dict[str, Any] = {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": reply.prompt_tokens + completion,
    }
    if reply.cached_tokens or reply.cache_write_tokens:
        usage["prompt_tokens_details"] = {
            "cached_tokens": reply.cached_tokens,
            "cache_write_tokens": reply.cache_write_tokens,
        }
    if reply.cost is not None:
        usage["cost"] = reply.cost
    return usage


def _error(fail: Fail, request: web.Request) -> web.Response:
    body = fail.raw_body
    if fail.echo_headers:
        echoed = f"{fail.message}; you sent {dict(request.headers)}"
        body = json.dumps({"error": {"message": echoed, "type": "upstream_error"}}).encode()
    if body is None:
        body = json.dumps({"error": {"message": fail.message, "type": "upstream_error", "code": fail.status}}).encode()
    return web.Response(status=fail.status, body=body, headers=fail.headers, content_type="application/json")


def routes(fake: FakeUpstream) -> list[web.RouteDef]:
    async def chat_completions(request: web.Request) -> web.StreamResponse:
        body = await fake.record(request)
        model = body.get("model", "") if isinstance(body, dict) else ""
        behavior = fake.next_behavior(model)
        if isinstance(behavior, Fail):
            return _error(behavior, request)
        if isinstance(behavior, Trickle):
            return await trickle(request, behavior)
        outcome = await apply_pre_response(behavior, request)
        if isinstance(outcome, web.StreamResponse):
            return outcome
        drop_after = behavior.after_chunks if isinstance(behavior, Drop) else None
        reply = outcome if isinstance(outcome, Reply) else Reply(text=f"Hello from fake {model}.")
        if body.get("stream"):
            return await _stream(request, fake, model, reply, drop_after)
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
        if reply.tool_calls:
            message["tool_calls"] = reply.tool_calls
        payload: dict[str, Any] = {
            "id": "chatcmpl-fake-" + uuid.uuid4().hex[:8],
            "object": "chat.completion",
            "created": now(),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop"),
                }
            ],
        }
        if reply.usage:
            payload["usage"] = _usage(reply)
        return web.json_response(payload)

    async def embeddings(request: web.Request) -> web.StreamResponse:
        body = await fake.record(request)
        model = body.get("model", "")
        behavior = fake.next_behavior(model)
        if isinstance(behavior, Fail):
            return _error(behavior, request)
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [
            {"object": "embedding", "index": n, "embedding": fake_vector(text, body.get("dimensions"))}
            for n, text in enumerate(inputs)
        ]
        tokens = sum(len(str(text).split()) for text in inputs)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        if isinstance(behavior, Reply) and behavior.raw_usage is not None:
            usage = behavior.raw_usage  # a scripted (hostile) usage object, sent verbatim
        return web.json_response({"object": "list", "data": data, "model": model, "usage": usage})

    return [web.post("/v1/chat/completions", chat_completions), web.post("/v1/embeddings", embeddings)]


async def _stream(
    request: web.Request, fake: FakeUpstream, model: str, reply: Reply, drop_after: int | None
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    base = {
        "id": "chatcmpl-fake-" + uuid.uuid4().hex[:8],
        "object": "chat.completion.chunk",
        "created": now(),
        "model": model,
    }
    pieces = (
        reply.chunks
        if reply.chunks is not None
        else [w if i == 0 else " " + w for i, w in enumerate(reply.text.split(" "))]
    )
    events: list[dict[str, Any]] = [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}
    ]
    events += [{**base, "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]} for p in pieces]
    if reply.raw_chunks is not None:
        events[2:2] = reply.raw_chunks
    for index, call in enumerate(reply.tool_calls or []):
        events.append(
            {
                **base,
                "choices": [{"index": 0, "delta": {"tool_calls": [{**call, "index": index}]}, "finish_reason": None}],
            }
        )
    finish = reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    if reply.usage:
        events.append({**base, "choices": [], "usage": _usage(reply)})
    fake.active_streams += 1
    try:
        sent = 0
        for event in events:
            if drop_after is not None and sent >= drop_after:
                # Let the hub read what was sent first: a reset makes the receiver discard unread data.
                await asyncio.sleep(0.1)
                if request.transport is not None:
                    request.transport.abort()
                return response
            if reply.keepalives and sent == 1:
                await response.write(b": keep-alive\n\n")
            await response.write(b"data: " + json.dumps(event).encode() + b"\n\n")
            sent += 1
            if reply.chunk_delay:
                await asyncio.sleep(reply.chunk_delay)
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
    finally:
        fake.active_streams -= 1
    return response


async def trickle(request: web.Request, behavior: Trickle) -> web.StreamResponse:
    """A 200 event stream that never sends a newline: one byte at a time, or a flood."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    deadline = asyncio.get_running_loop().time() + behavior.seconds
    try:
        if behavior.flood_bytes:
            block = b"x" * 65536
            for _ in range(behavior.flood_bytes // len(block)):
                await response.write(block)
        while asyncio.get_running_loop().time() < deadline:
            await response.write(b"x")
            await asyncio.sleep(behavior.interval)
    except (ConnectionResetError, RuntimeError):
        pass  # the hub hung up, as it should
    return response


__all__ = ["Garbage", "routes"]
