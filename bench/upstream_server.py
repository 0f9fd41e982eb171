"""A minimal, fast OpenAI-format upstream for benchmarks (JSON and SSE), so the hub is what is measured."""

from __future__ import annotations

import argparse
import json
from typing import Any

from aiohttp import web

COMPLETION = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "bench",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Benchmark answer."}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
    }
).encode()
CHUNKS: list[dict[str, Any]] = [
    {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]},
    *(
        {"choices": [{"index": 0, "delta": {"content": w}, "finish_reason": None}]}
        for w in ["Bench", "mark", " answer."]
    ),
    {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    {"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}},
]
STREAM = (
    b"".join(
        b"data: "
        + json.dumps({"id": "chatcmpl-bench", "object": "chat.completion.chunk", "model": "bench", **c}).encode()
        + b"\n\n"
        for c in CHUNKS
    )
    + b"data: [DONE]\n\n"
)


async def chat_completions(request: web.Request) -> web.StreamResponse:
    body = await request.json()
    if not body.get("stream"):
        return web.Response(body=COMPLETION, content_type="application/json")
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    await response.write(STREAM)
    await response.write_eof()
    return response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = web.Application()
    app.add_routes([web.post("/v1/chat/completions", chat_completions)])
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
