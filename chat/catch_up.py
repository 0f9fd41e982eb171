"""Catching a late socket (reload, second tab, reconnect) up with answers being written in any process.

The task writing a conversation's or a compare run's answers listens in a `<group>-writer` group; a socket
that joins late asks that group, and the writer replies to that socket alone with the text so far. Each
delta carries `n`, the number of deltas written so far, so the page skips deltas the snapshot already has.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from channels.layers import get_channel_layer

Snapshot = Callable[[], list[dict[str, Any]]]
STOP = "catch_up.stop"  # sent by a writer to its own channel, to end a receive that ignored its cancel


def _writer_group(group: str) -> str:
    return f"{group}-writer"


async def serve(group: str, event_type: str, snapshot: Snapshot) -> asyncio.Task[None]:
    """Answer catch-up requests for `group` until the returned task is cancelled (the writing has ended)."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(_writer_group(group), channel)  # before returning: a socket may ask at once

    async def answer_requests() -> None:
        receiving: asyncio.Future[Any] | None = None
        try:
            while True:
                # Awaited through asyncio.wait, not directly: channels-redis's receive can swallow a cancel
                # (a blocking pop that redis-py retries), and a task awaiting it directly would never end.
                receiving = asyncio.ensure_future(layer.receive(channel))
                await asyncio.wait({receiving})
                request = receiving.result()
                if request.get("type") == STOP:
                    return
                for event in snapshot():
                    await layer.send(request["reply_to"], {"type": event_type, "event": event})
        finally:
            # Best effort and bounded: the writing has ended (or the loop is shutting down). A receive still
            # pending is cancelled and, should it ignore that, ended by a message on its own channel, so no task
            # is left waiting on the channel layer; the group expires anyway.
            if receiving is not None and not receiving.done():
                receiving.cancel()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(layer.send(channel, {"type": STOP}), timeout=2)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(layer.group_discard(_writer_group(group), channel), timeout=2)

    return asyncio.ensure_future(answer_requests())


async def ask(group: str, reply_to: str) -> None:
    """Ask whoever writes in `group` (this process or another) to send `reply_to` the text so far."""
    await get_channel_layer().group_send(_writer_group(group), {"type": "catch_up", "reply_to": reply_to})
