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


def _writer_group(group: str) -> str:
    return f"{group}-writer"


async def serve(group: str, event_type: str, snapshot: Snapshot) -> asyncio.Task[None]:
    """Answer catch-up requests for `group` until the returned task is cancelled (the writing has ended)."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(_writer_group(group), channel)  # before returning: a socket may ask at once

    async def answer_requests() -> None:
        try:
            while True:
                request = await layer.receive(channel)
                for event in snapshot():
                    await layer.send(request["reply_to"], {"type": event_type, "event": event})
        finally:
            # Best effort and bounded: a cancelled writer must not hang on the channel layer (with Redis, the
            # connection of a cancelled blocking receive can stall the cleanup); the group expires anyway.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(layer.group_discard(_writer_group(group), channel), timeout=2)

    return asyncio.ensure_future(answer_requests())


async def ask(group: str, reply_to: str) -> None:
    """Ask whoever writes in `group` (this process or another) to send `reply_to` the text so far."""
    await get_channel_layer().group_send(_writer_group(group), {"type": "catch_up", "reply_to": reply_to})
