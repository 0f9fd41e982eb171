"""channels-redis's channel layer, with a receive that ends when it is cancelled.

A cancelled receive can carry on: the blocking pop under it may be retried after the cancel, so the task
never ends, and whatever waits for it (a consumer closing, a loop shutting down, a test's teardown) waits
forever. Here the receive runs as its own task: the caller's cancel ends the caller at once, the inner
receive is cancelled, and one that ignores that is ended by a wake-up message on its own channel (skipped
by any later receive).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from channels_redis.core import RedisChannelLayer as _RedisChannelLayer  # type: ignore[import-untyped]

WAKE = "llmhub.wake"


class RedisChannelLayer(_RedisChannelLayer):  # type: ignore[misc]  # channels-redis is untyped
    async def receive(self, channel: str) -> Any:
        while True:
            inner = asyncio.ensure_future(super().receive(channel))
            try:
                await asyncio.wait({inner})
            except asyncio.CancelledError:
                await self._end(inner, channel)
                raise
            message = inner.result()
            if not (isinstance(message, dict) and message.get("type") == WAKE):
                return message

    async def _end(self, inner: asyncio.Future[Any], channel: str) -> None:
        inner.cancel()
        done, _ = await asyncio.wait({inner}, timeout=1)
        if done:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.send(channel, {"type": WAKE}), timeout=2)
        await asyncio.wait({inner}, timeout=5)


async def close_connections() -> None:
    """Close this loop's Redis connections of every channel layer (a worker's shutdown, a test's end): a
    receive still blocked on one ends when its socket closes, instead of holding up the loop's shutdown."""
    from channels.layers import channel_layers

    for layer in list(channel_layers.backends.values()):
        close_pools = getattr(layer, "close_pools", None)
        if close_pools is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(close_pools(), timeout=5)
