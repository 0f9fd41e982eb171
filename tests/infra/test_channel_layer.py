"""With REDIS_URL the channel layer survives idleness: a receive with no traffic for longer than redis-py's
default 5 s socket timeout still gets the next message, sent by another worker's layer."""

from __future__ import annotations

import asyncio
import os
from typing import Any, cast

import pytest
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer  # type: ignore[import-untyped]
from django.conf import settings

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set (the Redis lane)"),
]


def test_reads_wait_longer_than_a_blocking_pop():
    host = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]
    assert host["socket_timeout"] > RedisChannelLayer.brpop_timeout


async def test_idle_receive_outlives_the_socket_timeout_and_gets_another_workers_message():
    config = cast(dict[str, Any], settings.CHANNEL_LAYERS["default"]["CONFIG"])
    receiver, sender = get_channel_layer(), RedisChannelLayer(**config)
    channel = await receiver.new_channel()
    receiving = asyncio.ensure_future(receiver.receive(channel))
    try:
        await asyncio.sleep(12)  # two blocking pops and more of silence
        assert not receiving.done(), receiving.exception() if receiving.done() else None
        await sender.send(channel, {"type": "chat.message", "text": "still there?"})
        message = await asyncio.wait_for(receiving, 10)
        assert message["text"] == "still there?"
    finally:
        receiving.cancel()
        await sender.flush()
        await receiver.close_pools()
        await sender.close_pools()


async def test_a_cancelled_receive_ends_even_when_the_pop_under_it_carries_on(monkeypatch):
    from llmhub.infra import channel_layer

    arrivals: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def stubborn_receive(self: Any, channel: str) -> dict[str, Any]:
        while True:  # like a blocking pop retried after a cancel
            try:
                return await arrivals.get()
            except asyncio.CancelledError:
                continue

    async def send(self: Any, channel: str, message: dict[str, Any]) -> None:
        arrivals.put_nowait(message)

    monkeypatch.setattr(RedisChannelLayer, "receive", stubborn_receive)
    monkeypatch.setattr(RedisChannelLayer, "send", send)
    layer = channel_layer.RedisChannelLayer()
    receiving = asyncio.ensure_future(layer.receive("specific.test!one"))
    await asyncio.sleep(0.05)
    receiving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(receiving, 10)
    await asyncio.sleep(0.05)
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()] == []

    await layer.send("specific.test!one", {"type": channel_layer.WAKE})  # a wake-up left over is skipped
    await layer.send("specific.test!one", {"type": "chat.message", "text": "next"})
    assert (await asyncio.wait_for(layer.receive("specific.test!one"), 5))["text"] == "next"
