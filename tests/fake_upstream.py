"""A fake upstream provider: a real HTTP server on loopback speaking the providers' wire formats.

Tests script what each upstream model does next (reply, fail with a status, stall, drop the
connection, send garbage) and read back what the hub sent. Runs in a thread with its own loop.

Wire formats: OpenAI chat completions (JSON and SSE) at POST /v1/chat/completions, embeddings at /v1/embeddings,
Responses at /v1/responses (tests/fake_responses.py). Other formats
register their routes in `FakeUpstream._routes`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.loopback import LoopbackServer


@dataclass
class Reply:
    """A normal answer. `chunks` is how the text streams; usage defaults to the text's size."""

    text: str = ""
    chunks: list[str] | None = None
    tool_calls: list[dict[str, Any]] | None = None
    prompt_tokens: int = 11
    completion_tokens: int | None = None
    cached_tokens: int = 0  # cache reads among prompt_tokens
    cache_write_tokens: int = 0
    cost: float | None = None
    chunk_delay: float = 0.0
    keepalives: bool = True
    usage: bool = True
    finish_reason: str | None = None
    raw_usage: Any = None  # sent verbatim as the usage object instead of the counts above (hostile usage)
    raw_chunks: list[Any] | None = None  # sent verbatim after the first content chunk (hostile chunks)


@dataclass
class Fail:
    status: int
    message: str = "upstream failure"
    headers: dict[str, str] = field(default_factory=dict)
    raw_body: bytes | None = None
    echo_headers: bool = False  # the error body repeats the request's headers (Authorization included)


@dataclass
class Stall:
    """Wait this long before answering (longer than the hub's read timeout means a timeout)."""

    seconds: float
    then: Reply | None = None


@dataclass
class Drop:
    """Close the connection: before any response (after_chunks=None) or after N stream chunks."""

    after_chunks: int | None = None


@dataclass
class Garbage:
    """A 200 whose body is not what the format promises (bad JSON, or a malformed SSE event)."""

    body: bytes = b"this is not json"


@dataclass
class Trickle:
    """A 200 stream that sends one byte without a newline every `interval` s, for `seconds` (or a flood
    of `flood_bytes` newline-less bytes as fast as it can when set)."""

    seconds: float
    interval: float = 0.05
    flood_bytes: int = 0


@dataclass
class Recorded:
    """An answer exactly as a provider sends it (a recorded shape): a JSON body with its status, or, when
    `frames` is set, a 200 event stream written frame by frame as given."""

    body: Any = None
    frames: list[bytes] | None = None
    status: int = 200


@dataclass
class Answered:
    """A Reply made from the request's body, as a model that reads what it was sent (say, follows its system
    prompt): `respond(body) -> Reply`."""

    respond: Callable[[Any], Reply]


Behavior = Reply | Fail | Stall | Drop | Garbage | Trickle | Recorded | Answered


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any
    at: float = field(default_factory=time.monotonic)  # when the request arrived (monotonic clock)


class FakeUpstream:
    def __init__(self) -> None:
        self.url = ""
        self.received: list[Received] = []
        self._scripts: dict[str, deque[Behavior]] = defaultdict(deque)
        self._server = LoopbackServer()
        self.active_streams = 0

    # --- scripting -----------------------------------------------------------------------------
    def script(self, model: str, *behaviors: Behavior) -> None:
        """What the next requests for `model` get, in order; afterwards the default Reply."""
        self._scripts[model].extend(behaviors)

    def reset(self) -> None:
        self._scripts.clear()
        self.received.clear()

    def next_behavior(self, model: str) -> Behavior:
        queue = self._scripts.get(model)
        if queue:
            return queue.popleft()
        return Reply(text=f"Hello from fake {model}.")

    def requests_for(self, path_suffix: str) -> list[Received]:
        return [r for r in self.received if r.path.endswith(path_suffix)]

    # --- server --------------------------------------------------------------------------------
    def _routes(self) -> list[web.RouteDef]:
        from tests import fake_openai

        routes = fake_openai.routes(self)
        try:
            from tests import fake_native  # Anthropic and Gemini formats, when present

            routes += fake_native.routes(self)
        except ImportError:
            pass
        from tests import fake_responses  # OpenAI's Responses API

        return routes + fake_responses.routes(self)

    def start(self) -> FakeUpstream:
        self.url = self._server.start(self._routes, "fake-upstream")
        return self

    def stop(self) -> None:
        self._server.stop()

    async def record(self, request: web.Request) -> Any:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        self.received.append(Received(request.path, dict(request.headers), body))
        return body


async def apply_pre_response(behavior: Behavior, request: web.Request) -> web.StreamResponse | Behavior:
    """Handle the behaviors that are the same in every wire format; return the Reply to render."""
    if isinstance(behavior, Stall):
        await asyncio.sleep(behavior.seconds)
        return behavior.then or Reply(text="late answer")
    if isinstance(behavior, Drop) and behavior.after_chunks is None:
        transport = request.transport
        if transport is not None:
            transport.abort()
        raise ConnectionResetError("fake upstream dropped the connection")
    if isinstance(behavior, Garbage):
        return web.Response(body=behavior.body, content_type="application/json")
    if isinstance(behavior, Recorded):
        return await _recorded(behavior, request)
    if isinstance(behavior, Answered):
        return behavior.respond(await request.json())
    return behavior


async def _recorded(recorded: Recorded, request: web.Request) -> web.StreamResponse:
    if recorded.frames is None:
        return web.json_response(recorded.body, status=recorded.status)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    for frame in recorded.frames:
        await response.write(frame)
    await response.write_eof()
    return response


def default_completion_tokens(reply: Reply) -> int:
    if reply.completion_tokens is not None:
        return reply.completion_tokens
    return max(1, len(reply.text.split()))


def fake_vector(text: Any, dimensions: int | None = None) -> list[float]:
    """A deterministic unit-free vector for a text (same text, same vector), 8 numbers by default."""
    digest = hashlib.sha256(json.dumps(text).encode()).digest()
    return [round((digest[i % len(digest)] - 128) / 128, 4) for i in range(dimensions or 8)]


def now() -> int:
    return int(time.time())
