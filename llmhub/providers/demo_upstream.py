"""The offline demo upstream: a clearly labelled simulated model speaking the OpenAI wire format.

Mounted at /demo-upstream/v1 in the same server (see asgi.py); the hub reaches it over real HTTP,
so metering, streaming and credits work exactly as with a real provider.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

PREFIX = "/demo-upstream/v1"
WORD_DELAY = 0.02


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def demo_answer(model: str, messages: list[dict[str, Any]]) -> str:
    said = _last_user_text(messages).strip().replace("\n", " ")
    if len(said) > 160:
        said = said[:157] + "..."
    return (
        f"**Demo mode** — this answer comes from LLM Hub's offline simulated upstream, standing in for "
        f"`{model}` because no provider key is set.\n\n"
        f"You said: \u201c{said}\u201d\n\n"
        "Set `AISA_API_KEY` (or another provider key) and restart to talk to real models. Meanwhile "
        "streaming, costs and credits work exactly as they will then:\n\n"
        "| what | where |\n|---|---|\n| cost of this answer | under it |\n| team credits | top right |\n\n"
        '```python\nprint("hello from the demo upstream")\n```'
    )


def _usage(messages: list[dict[str, Any]], text: str) -> dict[str, int]:
    prompt = max(1, len(json.dumps(messages)) // 4)
    completion = max(1, len(text) // 4)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


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


async def demo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    path = scope["path"][len(PREFIX) :]
    if scope["method"] == "GET" and path == "/models":
        await _send_json(send, 200, {"object": "list", "data": []})
        return
    if scope["method"] != "POST" or path != "/chat/completions":
        await _send_json(send, 404, {"error": {"message": "not found", "type": "invalid_request_error"}})
        return
    try:
        request = json.loads(await _read_body(receive))
        model, messages = str(request["model"]), list(request["messages"])
    except (ValueError, KeyError, TypeError):
        await _send_json(send, 400, {"error": {"message": "bad request", "type": "invalid_request_error"}})
        return
    text = demo_answer(model, messages)
    completion_id = "chatcmpl-demo-" + uuid.uuid4().hex[:12]
    created = int(time.time())
    if not request.get("stream"):
        await _send_json(
            send,
            200,
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": _usage(messages, text),
            },
        )
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})

    async def event(payload: Any) -> None:
        await send(
            {
                "type": "http.response.body",
                "body": b"data: " + json.dumps(payload).encode() + b"\n\n",
                "more_body": True,
            }
        )

    base = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model}
    await event(
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}
    )
    words = text.split(" ")
    for index, word in enumerate(words):
        piece = word if index == 0 else " " + word
        await event({**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
        await asyncio.sleep(WORD_DELAY)
    await event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    await event({**base, "choices": [], "usage": _usage(messages, text)})
    await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": False})
