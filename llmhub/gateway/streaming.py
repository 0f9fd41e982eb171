"""Streaming through the gateway: open with fallback before the first byte, then relay and settle.

Once the first chunk has reached the client there is no retry: a later upstream failure becomes a
final error event, and a cancelled or dropped client still settles with the tokens streamed so far.
A response-cache hit is replayed as a stream of the same events, settled at $0 before the first byte.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from llmhub.errors import HubError, UpstreamError
from llmhub.gateway import charging, response_cache
from llmhub.gateway.call import Call, Caller
from llmhub.gateway.checkpoints import Checkpointer
from llmhub.gateway.fallback import with_fallback
from llmhub.gateway.metering import streamed_usage, usage_json
from llmhub.gateway.planning import open_call
from llmhub.providers.base import ChatRequest, StreamChunk, Target, Usage
from llmhub.providers.registry import adapter_for_call, passes_through

log = logging.getLogger("llmhub.gateway")


@dataclass
class StreamEvent:
    """kind is "chunk" (an OpenAI chunk dict), "usage" (usage with cost and credits) or "error".

    Passthrough: a chunk's `raw` is the upstream's event in the client's own format, to relay as is, and
    the usage event's `held` are the upstream's final events (parsed), for the client's format to write
    with the hub's cost added."""

    kind: str
    data: dict[str, Any]
    error: HubError | None = None
    raw: bytes | None = None
    held: list[dict[str, Any]] | None = None


class Stream(Protocol):
    """What the edges consume: a live upstream stream or a cached answer replayed."""

    call: Call

    def events(self) -> AsyncGenerator[StreamEvent, None]: ...

    async def abandon(self) -> None: ...

    def abandon_threadsafe(self) -> None: ...


def _delta_bytes(data: dict[str, Any]) -> int:
    """Bytes of generated text in a chunk: content, reasoning and tool-call arguments."""
    total = 0
    for choice in data.get("choices") or []:
        delta = choice.get("delta") or {}
        for key in ("content", "reasoning_content", "reasoning"):
            if isinstance(delta.get(key), str):
                total += len(delta[key].encode())
        for tool_call in delta.get("tool_calls") or []:
            arguments = (tool_call.get("function") or {}).get("arguments")
            if isinstance(arguments, str):
                total += len(arguments.encode())
    return total


class StreamSession:
    """A live upstream stream: relays its chunks as events and settles exactly once, however it ends."""

    def __init__(self, call: Call, upstream: AsyncIterator[StreamChunk], first: StreamChunk) -> None:
        self.call = call
        self._upstream = upstream
        self._first: StreamChunk | None = first
        self._usage: Usage | None = None
        self._text_bytes = 0
        self._ttft_ms: int | None = None
        self._started = False
        self._loop = asyncio.get_running_loop()
        # Called with the relayed chunks and final usage after a stream that ended well (the response cache).
        self.on_finish: Callable[[list[dict[str, Any]], Usage], Awaitable[None]] | None = None
        self._kept: list[dict[str, Any]] = []
        self._checkpoints = Checkpointer(call)  # the output so far, on the hold, for the sweep after a crash
        self._held: list[dict[str, Any]] = []  # passthrough: the upstream's final events, written after settling

    def _final_usage(self) -> Usage:
        return streamed_usage(self.call, self._usage, self._text_bytes)

    def _relay_native(self, chunk: StreamChunk) -> StreamEvent | None:
        """A passthrough event: metered from its canonical reading, relayed as the upstream sent it."""
        if chunk.usage is not None:
            self._usage = chunk.usage
        if chunk.data:
            self._count(chunk.data)
        if chunk.final:
            if chunk.native_event is not None:
                self._held.append(chunk.native_event)
            return None
        if chunk.raw is None:
            return None
        return StreamEvent("chunk", chunk.data or {}, raw=chunk.raw)

    def _count(self, data: dict[str, Any]) -> None:
        produced = _delta_bytes(data)
        if produced and self._ttft_ms is None:
            self._ttft_ms = int((time.monotonic() - self.call.started) * 1000)
        self._text_bytes += produced
        self._checkpoints.advance(self._text_bytes)

    def _relay(self, chunk: StreamChunk) -> dict[str, Any] | None:
        if chunk.usage is not None:
            self._usage = chunk.usage
        data = chunk.data
        if not data or not data.get("choices"):
            return None  # a usage-only chunk: the hub sends its own, with cost, at the end
        self._count(data)
        data = dict(data)
        data.pop("usage", None)
        assert self.call.served is not None
        data["model"] = self.call.served.name
        return data

    async def events(self) -> AsyncGenerator[StreamEvent, None]:
        self._started = True
        error: HubError | None = None
        try:
            try:
                while True:
                    if self._first is not None:
                        chunk, self._first = self._first, None
                    else:
                        try:
                            chunk = await self._upstream.__anext__()
                        except StopAsyncIteration:
                            break
                    if self.call.passthrough:
                        native = self._relay_native(chunk)
                        if native is not None:
                            yield native
                        continue
                    data = self._relay(chunk)
                    if data is not None:
                        if self.on_finish is not None:
                            self._kept.append(data)
                        yield StreamEvent("chunk", data)
            except HubError as exc:
                error = exc
            except Exception:
                log.exception("stream %s failed while relaying", self.call.request_id)
                error = UpstreamError("The upstream stream failed while being relayed.")
            usage = self._final_usage()
            status = "ok" if error is None else "error"
            draft = charging.usage_draft(self.call, usage, status, error.code if error else "", self._ttft_ms)
            settlement = await charging.settle(self.call, draft)
            if error is not None:
                yield StreamEvent("error", error.as_openai(), error)
            else:
                if self.on_finish is not None:
                    await self.on_finish(self._kept, usage)
                yield StreamEvent("usage", usage_json(usage, settlement), held=self._held)
        finally:
            await self._close_upstream()
            if self.call.settled is None:
                await self._settle_cancelled()

    async def _settle_cancelled(self) -> None:
        status, code = charging.cancelled_outcome("client_disconnected")
        draft = charging.usage_draft(self.call, self._final_usage(), status, code, self._ttft_ms)
        await charging.settle(self.call, draft)

    async def _close_upstream(self) -> None:
        closer = getattr(self._upstream, "aclose", None)
        if closer is not None:
            try:
                await closer()
            except Exception:  # noqa: BLE001 - closing a failed upstream must not mask the outcome
                pass

    async def abandon(self) -> None:
        """Settle a stream whose events were never consumed (the client left before the first byte)."""
        if self._started or self.call.settled is not None:
            return
        await self._close_upstream()
        await self._settle_cancelled()

    def abandon_threadsafe(self) -> None:
        """Schedule abandon() from any thread (Django closes responses in a worker thread)."""
        if self._started or self.call.settled is not None or self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(lambda: asyncio.ensure_future(self.abandon()))


class ReplaySession:
    """A response-cache hit served as a stream: the cached answer replayed as OpenAI chunks, then its usage."""

    def __init__(self, call: Call, answer: response_cache.CachedAnswer) -> None:
        self.call = call
        self._answer = answer

    async def events(self) -> AsyncGenerator[StreamEvent, None]:
        for chunk in response_cache.chunks_from_body({**self._answer.body, "model": self._answer.model}):
            yield StreamEvent("chunk", chunk)
        assert self.call.settled is not None
        yield StreamEvent("usage", usage_json(self._answer.usage, self.call.settled))

    async def abandon(self) -> None:
        """Nothing to release: the hit was settled when the session opened."""

    def abandon_threadsafe(self) -> None:
        """See abandon."""


async def open_stream(
    caller: Caller, request: ChatRequest, call: Call | None = None, *, cache: response_cache.CacheMode | None = None
) -> Stream:
    """Plan, hold credits and open an upstream stream, falling back until one yields its first chunk.

    With `cache` (the client's cache mode), an identical earlier answer is replayed at zero cost instead.
    """
    opened = await open_call(caller, request, call, cache=cache)
    call = opened.call
    if opened.hit is not None:
        return ReplaySession(call, opened.hit)

    async def first_chunk(_spec: Any, target: Target) -> tuple[AsyncIterator[StreamChunk], StreamChunk]:
        call.passthrough = passes_through(target, call.request)
        upstream = adapter_for_call(target, call.request).stream(target, call.request)
        try:
            return upstream, await upstream.__anext__()
        except StopAsyncIteration as exc:
            raise UpstreamError(f"Upstream {target.provider.name} sent an empty stream.") from exc

    async with charging.settled_on_failure(call, cancelled_code="client_disconnected"):
        upstream, first = await with_fallback(call, first_chunk)
    session = StreamSession(call, upstream, first)
    if opened.store_answer and not call.passthrough:
        session.on_finish = _cache_store_hook(caller, request, call)
    return session


def _cache_store_hook(
    caller: Caller, request: ChatRequest, call: Call
) -> Callable[[list[dict[str, Any]], Usage], Awaitable[None]]:
    async def store(chunks: list[dict[str, Any]], usage: Usage) -> None:
        body = response_cache.body_from_chunks(chunks)
        if body is not None and call.served is not None:
            await response_cache.store(caller.team_id, request, body, usage, call.served.name, call.route)

    return store
