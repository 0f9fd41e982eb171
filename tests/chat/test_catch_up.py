"""The catch-up writer (chat/catch_up.py) ends when told to, even on a channel layer that swallows a cancel."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer

from chat import catch_up


class StubbornLayer(InMemoryChannelLayer):  # type: ignore[misc]  # channels is untyped
    """A receive that, like channels-redis's blocking pop retried by redis-py, carries on after a cancel."""

    async def receive(self, channel: str) -> Any:
        while True:
            try:
                return await super().receive(channel)
            except asyncio.CancelledError:
                continue


@pytest.fixture
def stubborn(monkeypatch: pytest.MonkeyPatch) -> StubbornLayer:
    layer = StubbornLayer()
    monkeypatch.setattr(catch_up, "get_channel_layer", lambda: layer)
    return layer


async def test_a_writer_answers_then_ends_though_its_receive_ignores_the_cancel(stubborn):
    serving = await catch_up.serve("conversation-7", "chat.event", lambda: [{"kind": "state", "text": "so far"}])
    reader = await stubborn.new_channel()
    await catch_up.ask("conversation-7", reader)
    reply = await asyncio.wait_for(stubborn.receive(reader), 5)
    assert reply == {"type": "chat.event", "event": {"kind": "state", "text": "so far"}}

    serving.cancel()
    await asyncio.wait_for(asyncio.gather(serving, return_exceptions=True), 5)
    await asyncio.sleep(0.05)
    left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    assert left == []  # nothing waits on the layer: a loop shutting down does not hang on it
