"""Two real hub workers (uvicorn processes) on one PostgreSQL database and one Redis channel layer: a socket
joining on the worker that is not writing the answer is caught up (chat/catch_up.py) and sees the same end,
and an idle socket stays open and keeps hearing the other worker. Browser-like clients: session cookie,
Origin header, no ping frames."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from websockets.asyncio.client import ClientConnection, connect
from websockets.protocol import State
from websockets.typing import Origin

from billing.models import UsageRecord
from chat.models import Message
from tests.chat.conftest import new_conversation, session_cookie
from tests.fake_upstream import Reply
from tests.hub_process import free_port, spawn_hub, stop_hub, wait_until_serving

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason="REDIS_URL is not set: two workers share a channel layer only through Redis "
        "(runs in the PostgreSQL + Redis lane, `make test-services`)",
    ),
    pytest.mark.django_db(transaction=True),
]

CHUNKS = [f"w{i} " for i in range(40)]
ANSWER = "".join(CHUNKS)
IDLE_SECONDS = 12  # more than twice redis-py's 5 s socket timeout and channels-redis's 5 s blocking pop


@pytest.fixture
def fleet(upstream: Any) -> Iterator[list[str]]:
    """Two workers' host:port, both serving the test database, REDIS_URL and the fake upstream."""
    if connection.vendor != "postgresql":
        pytest.skip("hub processes cannot share the SQLite test database; runs in the PostgreSQL + Redis lane")
    ports = [free_port(), free_port()]
    hubs = [spawn_hub(port, upstream.url) for port in ports]  # both start at once: half the wait
    try:
        for hub, port in zip(hubs, ports, strict=True):
            wait_until_serving(hub, port)
        yield [f"127.0.0.1:{port}" for port in ports]
    finally:
        for hub in hubs:
            stop_hub(hub)


@dataclass
class Page:
    """The streaming answer as the chat page shows it (static/js/chat_dom.js): a catch-up snapshot sets the
    text and its delta count `n`; after it only the next delta (n + 1) is appended, one the snapshot already
    had is skipped, and a gap stalls the page until another snapshot."""

    events: list[dict[str, Any]] = field(default_factory=list)
    text: str | None = None
    n: int | None = None
    gaps: list[int] = field(default_factory=list)

    def see(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        if event["kind"] == "turn":
            self.text, self.n = "", 0  # this page started the answer (or saw it start): it knows it from 0
        elif event["kind"] == "state" and event["streaming"] is not None:
            self.text, self.n = event["streaming"]["text"], event["streaming"]["n"]
        elif event["kind"] == "delta" and self.text is not None and self.n is not None:
            if event["n"] == self.n + 1:
                self.text, self.n = self.text + event["text"], event["n"]
            elif event["n"] > self.n + 1:
                self.gaps.append(event["n"])

    def snapshots(self) -> list[dict[str, Any]]:
        return [e["streaming"] for e in self.events if e["kind"] == "state" and e["streaming"] is not None]


def _open(host: str, conversation_id: int, cookie: str) -> connect:
    return connect(
        f"ws://{host}/ws/chat/{conversation_id}/",
        origin=Origin(f"http://{host}"),
        additional_headers={"Cookie": cookie},
        ping_interval=None,  # a browser sends no ping frames: the idle socket is silent
        proxy=None,
    )


async def _read_until_done(socket: ClientConnection, page: Page, seconds: float = 20) -> dict[str, Any]:
    async with asyncio.timeout(seconds):
        while True:
            event: dict[str, Any] = json.loads(await socket.recv())
            page.see(event)
            if event["kind"] == "done":
                return event


async def _read_until_deltas(socket: ClientConnection, page: Page, count: int, seconds: float = 20) -> None:
    async with asyncio.timeout(seconds):
        while sum(e["kind"] == "delta" for e in page.events) < count:
            page.see(json.loads(await socket.recv()))


async def _same_end(done_a: dict[str, Any], done_b: dict[str, Any]) -> None:
    """Both sockets got the one `done` the writer broadcast, and it is what was saved and billed."""
    assert done_a == done_b
    assert done_a["status"] == "done", done_a
    answer = await Message.objects.aget(id=done_a["id"])
    assert answer.content == ANSWER
    record = await UsageRecord.objects.aget(request_id=done_a["request_id"])
    assert Decimal(done_a["cost"]) == record.cost > 0
    assert done_a["completion_tokens"] == record.completion_tokens == len(CHUNKS)


async def test_socket_joining_on_another_worker_mid_stream_is_caught_up_to_the_same_end(fleet, upstream, alice):
    worker_a, worker_b = fleet
    upstream.script("gpt-4o", Reply(chunks=CHUNKS, chunk_delay=0.1, completion_tokens=len(CHUNKS)))
    conversation = await sync_to_async(new_conversation)(alice)
    cookie = (await sync_to_async(session_cookie)(alice)).decode()
    page_a, page_b = Page(), Page()
    async with _open(worker_a, conversation.id, cookie) as socket_a:
        page_a.see(json.loads(await socket_a.recv()))
        await socket_a.send(json.dumps({"action": "send", "content": "count slowly", "model": "gpt-4o"}))
        await _read_until_deltas(socket_a, page_a, 5)
        async with _open(worker_b, conversation.id, cookie) as socket_b:
            done_a, done_b = await asyncio.gather(
                _read_until_done(socket_a, page_a), _read_until_done(socket_b, page_b)
            )
    # Worker B writes nothing here: its own state is empty, and the text so far came from worker A's writer.
    assert page_b.events[0] == {"kind": "state", "streaming": None}
    (snapshot,) = page_b.snapshots()
    assert snapshot["id"] == done_a["id"]
    assert 5 <= snapshot["n"] < len(CHUNKS), "the second socket did not join mid-stream"
    assert snapshot["text"] == "".join(CHUNKS[: snapshot["n"]])
    # Snapshot plus the deltas after it: the page shows the whole answer before `done`, never stalled.
    assert page_b.gaps == [] and page_b.text == ANSWER, (page_b.gaps, page_b.text)
    assert page_a.gaps == [] and page_a.text == ANSWER
    await _same_end(done_a, done_b)


async def test_idle_socket_stays_open_and_hears_an_answer_written_by_another_worker(fleet, upstream, alice):
    worker_a, worker_b = fleet
    upstream.script("gpt-4o", Reply(chunks=CHUNKS, chunk_delay=0.01, completion_tokens=len(CHUNKS)))
    conversation = await sync_to_async(new_conversation)(alice)
    cookie = (await sync_to_async(session_cookie)(alice)).decode()
    idle_page, writer_page = Page(), Page()
    async with _open(worker_a, conversation.id, cookie) as idle:
        idle_page.see(json.loads(await idle.recv()))
        with pytest.raises(TimeoutError):  # silence both ways; a closed socket would raise ConnectionClosed
            await asyncio.wait_for(idle.recv(), IDLE_SECONDS)
        assert idle.state is State.OPEN
        async with _open(worker_b, conversation.id, cookie) as writer:
            writer_page.see(json.loads(await writer.recv()))
            await writer.send(json.dumps({"action": "send", "content": "count", "model": "gpt-4o"}))
            done_b, done_a = await asyncio.gather(
                _read_until_done(writer, writer_page), _read_until_done(idle, idle_page)
            )
    # Worker A's consumer, idle in its channel-layer receive all that time, relayed worker B's whole answer.
    assert [e["kind"] for e in idle_page.events][:2] == ["state", "turn"]
    assert idle_page.gaps == [] and idle_page.text == ANSWER
    await _same_end(done_a, done_b)
