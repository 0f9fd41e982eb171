"""A stream's progress written to its credit hold while it streams: at most one write a second per stream,
only when output grew, never two at once, so a crash loses at most a second of output from the bill."""

from __future__ import annotations

import asyncio
import logging
import time

from llmhub.gateway import charging
from llmhub.gateway.call import Call
from llmhub.gateway.tokens import text_tokens_estimate
from llmhub.providers.base import Usage

log = logging.getLogger("llmhub.billing")
CHECKPOINT_SECONDS = 1.0


class Checkpointer:
    """Fed the bytes of output relayed so far; writes a checkpoint when one is due."""

    def __init__(self, call: Call) -> None:
        self.call = call
        self._last = time.monotonic()
        self._written = 0
        self._pending: asyncio.Future[int] | None = None

    def advance(self, text_bytes: int) -> None:
        now = time.monotonic()
        if now - self._last < CHECKPOINT_SECONDS or self._pending is not None or self.call.served is None:
            return
        tokens = text_tokens_estimate(text_bytes)
        if tokens <= self._written:
            return
        self._last, self._written = now, tokens
        usage = Usage(prompt_tokens=self.call.prompt_estimate, completion_tokens=tokens, estimated=True)
        self._pending = charging.checkpoint(self.call, usage)
        self._pending.add_done_callback(self._done)

    def _done(self, written: asyncio.Future[int]) -> None:
        self._pending = None
        if not written.cancelled() and written.exception() is not None:
            log.warning("checkpoint of %s failed", self.call.request_id, exc_info=written.exception())
