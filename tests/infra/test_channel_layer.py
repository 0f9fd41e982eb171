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

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set (the Redis lane)")


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
