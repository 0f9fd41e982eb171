"""A response-cache hit served as a stream: the cached answer replayed as OpenAI chunks, then its zero usage.

It quacks like `streaming.StreamSession` (call, events, abandon, abandon_threadsafe), so the SSE edge and
`MeteredStreamingResponse` serve it unchanged. The hit is settled before the first byte: one record, $0.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from llmhub.gateway import Call, Caller, settle_cache_hit, usage_json
from llmhub.providers.base import ChatRequest
from llmhub.response_cache import CachedAnswer, chunks_from_body
from llmhub.streaming import StreamEvent


class ReplaySession:
    def __init__(self, call: Call, answer: CachedAnswer) -> None:
        self.call = call
        self._answer = answer

    async def events(self) -> AsyncIterator[StreamEvent]:
        for chunk in chunks_from_body({**self._answer.body, "model": self._answer.model}):
            yield StreamEvent("chunk", chunk)
        assert self.call.settled is not None
        yield StreamEvent("usage", usage_json(self._answer.usage, self.call.settled))

    async def abandon(self) -> None:
        """Nothing to release: the hit was settled when the session opened."""

    def abandon_threadsafe(self) -> None:
        """See abandon."""


async def replay_session(caller: Caller, request: ChatRequest, answer: CachedAnswer) -> ReplaySession:
    call = await settle_cache_hit(caller, request, answer)
    return ReplaySession(call, answer)
