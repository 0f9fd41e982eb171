"""OpenAI's Responses wire format for the fake upstream: POST /v1/responses (JSON and SSE with every event kind a
real answer has: reasoning summaries, hosted web searches, text, function calls), /v1/responses/input_tokens
and /v1/responses/compact. Scripted with the same behaviours as the other routes (a plain Reply works); a
ResponsesReply adds reasoning tokens, a reasoning summary and hosted web searches.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fake_upstream import Fail, FakeUpstream, Reply, apply_pre_response, default_completion_tokens, now


@dataclass
class ResponsesReply(Reply):
    reasoning_tokens: int = 0
    reasoning_summary: str = ""
    web_searches: int = 0


def _pieces(reply: Reply) -> list[str]:
    if reply.chunks is not None:
        return reply.chunks
    return [w if i == 0 else " " + w for i, w in enumerate(reply.text.split(" "))] if reply.text else []


async def _send(request: web.Request, frames: list[bytes]) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    for frame in frames:
        await response.write(frame)
    await response.write_eof()
    return response


def _usage(reply: Reply) -> Any:
    if reply.raw_usage is not None:
        return reply.raw_usage
    output = default_completion_tokens(reply)
    return {
        "input_tokens": reply.prompt_tokens,
        "input_tokens_details": {"cached_tokens": reply.cached_tokens},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": getattr(reply, "reasoning_tokens", 0)},
        "total_tokens": reply.prompt_tokens + output,
    }


def _items(reply: Reply) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    summary = getattr(reply, "reasoning_summary", "")
    if summary:
        items.append({"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": summary}]})
    for n in range(getattr(reply, "web_searches", 0)):
        action = {"type": "search", "query": f"query {n}"}
        items.append({"type": "web_search_call", "id": f"ws_{n}", "status": "completed", "action": action})
    if reply.text:
        content = [{"type": "output_text", "text": reply.text, "annotations": [], "logprobs": []}]
        items.append({"type": "message", "id": "msg_1", "status": "completed", "role": "assistant", "content": content})
    for call in reply.tool_calls or []:
        function = call["function"]
        items.append(
            {
                "type": "function_call",
                "id": "fc_" + call["id"],
                "call_id": call["id"],
                "name": function["name"],
                "arguments": function["arguments"],
                "status": "completed",
            }
        )
    return items


def _response(body: dict[str, Any], reply: Reply, *, status: str = "completed") -> dict[str, Any]:
    done = status == "completed"
    return {
        "id": body.setdefault("_fake_id", "resp_up_" + uuid.uuid4().hex[:8]),
        "object": "response",
        "created_at": now(),
        "status": status,
        "model": body.get("model"),
        "output": _items(reply) if done else [],
        "usage": _usage(reply) if done and reply.usage else None,
        "tools": body.get("tools") or [],
        "prompt_cache_key": body.get("prompt_cache_key"),
        "store": body.get("store", True),
    }


def _frames(body: dict[str, Any], reply: Reply) -> list[bytes]:
    events: list[dict[str, Any]] = []
    start = _response(body, reply, status="in_progress")
    events += [{"type": "response.created", "response": start}, {"type": "response.in_progress", "response": start}]
    for index, item in enumerate(_items(reply)):
        where = {"output_index": index, "item_id": item["id"]}
        if item["type"] == "message":
            events.append(
                {"type": "response.output_item.added", "output_index": index, "item": {**item, "content": []}}
            )
            part = {"type": "output_text", "text": "", "annotations": []}
            events.append({"type": "response.content_part.added", **where, "content_index": 0, "part": part})
            for piece in _pieces(reply):
                events.append({"type": "response.output_text.delta", **where, "content_index": 0, "delta": piece})
            events.append({"type": "response.output_text.done", **where, "content_index": 0, "text": reply.text})
            done = {**part, "text": reply.text}
            events.append({"type": "response.content_part.done", **where, "content_index": 0, "part": done})
        elif item["type"] == "function_call":
            events.append(
                {"type": "response.output_item.added", "output_index": index, "item": {**item, "arguments": ""}}
            )
            events.append({"type": "response.function_call_arguments.delta", **where, "delta": item["arguments"]})
        elif item["type"] == "reasoning":
            events.append(
                {"type": "response.output_item.added", "output_index": index, "item": {**item, "summary": []}}
            )
            text = item["summary"][0]["text"]
            events.append({"type": "response.reasoning_summary_text.delta", **where, "summary_index": 0, "delta": text})
        else:
            events.append({"type": "response.output_item.added", "output_index": index, "item": item})
            events.append({"type": "response.web_search_call.completed", **where})
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    events.append({"type": "response.completed", "response": _response(body, reply)})
    frames = []
    for number, event in enumerate(events):
        event = {**event, "sequence_number": number}
        frames.append(b"event: " + event["type"].encode() + b"\ndata: " + json.dumps(event).encode() + b"\n\n")
    return frames


def _error(fail: Fail) -> web.Response:
    return web.json_response(
        {"error": {"message": fail.message, "type": "server_error", "code": None}}, status=fail.status
    )


def routes(fake: FakeUpstream) -> list[web.RouteDef]:
    async def responses(request: web.Request) -> web.StreamResponse:
        body = await fake.record(request)
        model = body.get("model", "") if isinstance(body, dict) else ""
        body = dict(body)  # the recorded body stays as received (the response id is kept on this copy)
        behavior = fake.next_behavior(model)
        if isinstance(behavior, Fail):
            return _error(behavior)
        outcome = await apply_pre_response(behavior, request)
        if isinstance(outcome, web.StreamResponse):
            return outcome
        reply = outcome if isinstance(outcome, Reply) else Reply(text=f"Hello from fake {model}.")
        if body.get("stream"):
            return await _send(request, _frames(body, reply))
        return web.json_response(_response(body, reply))

    async def input_tokens(request: web.Request) -> web.Response:
        await fake.record(request)
        return web.json_response({"object": "response.input_tokens", "input_tokens": 42})

    async def compact(request: web.Request) -> web.Response:
        body = await fake.record(request)
        reply = ResponsesReply(text="", prompt_tokens=900, completion_tokens=120)
        output = [{"type": "compaction", "id": "cmp_1", "encrypted_content": "opaque"}]
        return web.json_response(
            {
                "id": "resp_cmp_1",
                "object": "response.compaction",
                "created_at": now(),
                "model": body.get("model"),
                "output": output,
                "usage": _usage(reply),
            }
        )

    return [
        web.post("/v1/responses", responses),
        web.post("/v1/responses/input_tokens", input_tokens),
        web.post("/v1/responses/compact", compact),
    ]
