"""The offline demo upstream: a clearly labelled simulated model speaking the OpenAI wire format
(chat completions and embeddings); what it says is in demo_answers.py.

Mounted at /demo-upstream/v1 in the same server (see asgi.py); the hub reaches it over real HTTP,
so metering, streaming and credits work exactly as with a real provider.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

from llmhub.providers.demo_answers import Choice, choices_for, embedding, prompt_tokens

PREFIX = "/demo-upstream/v1"
WORD_DELAY = 0.03  # about 30 words a second: readable, and a long answer lasts long enough to press Stop
DIMENSIONS = {"text-embedding-3-large": 3072, "gemini-embedding-001": 768}


def _usage(request: dict[str, Any], choices: list[Choice]) -> dict[str, int]:
    prompt = prompt_tokens(list(request["messages"]), request.get("tools"))
    completion = sum(c.completion_tokens for c in choices)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _message(choice: Choice) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": choice.text}
    if choice.tool_calls:
        message["tool_calls"] = choice.tool_calls
    return message


async def _read_body(receive: Any) -> bytes:
    body: bytes = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def _send_json(send: Any, status: int, payload: Any) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(payload).encode()})


async def _embeddings(send: Any, request: dict[str, Any]) -> None:
    inputs = request["input"] if isinstance(request["input"], list) else [request["input"]]
    if inputs and isinstance(inputs[0], int):
        inputs = [inputs]  # one token array
    dimensions = int(request.get("dimensions") or DIMENSIONS.get(str(request["model"]), 1536))
    data = [{"object": "embedding", "index": n, "embedding": embedding(x, dimensions)} for n, x in enumerate(inputs)]
    tokens = sum(len(x) if isinstance(x, list) else max(1, len(str(x).encode()) // 4) for x in inputs)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    await _send_json(send, 200, {"object": "list", "data": data, "model": request["model"], "usage": usage})


async def _stream(send: Any, base: dict[str, Any], choices: list[Choice], usage: dict[str, int]) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})

    async def event(index: int, delta: dict[str, Any], finish: str | None = None) -> None:
        payload = {**base, "choices": [{"index": index, "delta": delta, "finish_reason": finish}]}
        await send(
            {
                "type": "http.response.body",
                "body": b"data: " + json.dumps(payload).encode() + b"\n\n",
                "more_body": True,
            }
        )

    for index, choice in enumerate(choices):
        await event(index, {"role": "assistant", "content": ""})
        for n, call in enumerate(choice.tool_calls or []):
            head = {
                "index": n,
                "id": call["id"],
                "type": "function",
                "function": {"name": call["function"]["name"], "arguments": ""},
            }
            await event(index, {"tool_calls": [head]})
            arguments = call["function"]["arguments"]
            for at in range(0, len(arguments), 12):
                await event(index, {"tool_calls": [{"index": n, "function": {"arguments": arguments[at : at + 12]}}]})
                await asyncio.sleep(WORD_DELAY / 3)
        for n, word in enumerate((choice.text or "").split(" ") if choice.text else []):
            await event(index, {"content": word if n == 0 else " " + word})
            await asyncio.sleep(WORD_DELAY)
        await event(index, {}, choice.finish_reason)
    tail = {**base, "choices": [], "usage": usage}
    await send(
        {"type": "http.response.body", "body": b"data: " + json.dumps(tail).encode() + b"\n\n", "more_body": True}
    )
    await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": False})


async def demo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    path = scope["path"][len(PREFIX) :]
    if scope["method"] == "GET" and path == "/models":
        await _send_json(send, 200, {"object": "list", "data": []})
        return
    if scope["method"] != "POST" or path not in ("/chat/completions", "/embeddings"):
        await _send_json(send, 404, {"error": {"message": "not found", "type": "invalid_request_error"}})
        return
    try:
        request = json.loads(await _read_body(receive))
        if path == "/embeddings":
            await _embeddings(send, request)
            return
        choices = choices_for(request)
    except (ValueError, KeyError, TypeError, AttributeError):
        await _send_json(send, 400, {"error": {"message": "bad request", "type": "invalid_request_error"}})
        return
    usage = _usage(request, choices)
    base = {
        "id": "chatcmpl-demo-" + uuid.uuid4().hex[:12],
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": str(request["model"]),
    }
    if request.get("stream"):
        await _stream(send, base, choices, usage)
        return
    body = {
        **base,
        "object": "chat.completion",
        "choices": [
            {"index": n, "message": _message(c), "finish_reason": c.finish_reason} for n, c in enumerate(choices)
        ],
        "usage": usage,
    }
    await _send_json(send, 200, body)
