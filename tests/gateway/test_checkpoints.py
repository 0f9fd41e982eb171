"""A stream is known to the database before its first byte, checkpoints its output on its hold while it
streams, outlives the hold TTL while its process lives, and a shutdown past its grace settles it as
interrupted."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from billing.models import CreditHold, CreditLedgerEntry, UsageRecord
from llmhub.gateway import Caller, charging, open_stream, sweeper
from llmhub.infra.db_executor import close_db_connections
from llmhub.infra.http_client import close_client
from llmhub.providers.base import ChatRequest
from tests.fake_upstream import Reply

pytestmark = pytest.mark.django_db(transaction=True)
BODY = {"model": "gpt-4o", "messages": [{"role": "user", "content": "count"}], "stream": True}


def _stream_lines(hub_url: str, key: str, lines: int) -> tuple[str, list[str]]:
    """Read `lines` SSE data lines of a stream, then leave; returns the request id and the lines."""
    seen: list[str] = []
    with (
        httpx.Client(timeout=20) as client,
        client.stream("POST", f"{hub_url}/chat/completions", json=BODY, headers={"Authorization": f"Bearer {key}"})
        as response,
    ):  # fmt: skip
        request_id = response.headers["x-request-id"]
        for line in response.iter_lines():
            if line.startswith("data: "):
                seen.append(line)
            if len(seen) >= lines:
                break
    return request_id, seen


def test_stream_is_on_the_books_before_its_first_byte(hub_url, upstream, alice, acme):
    upstream.script("gpt-4o", Reply(chunks=[" w"] * 30, chunk_delay=0.1))
    with (
        httpx.Client(timeout=20) as client,
        client.stream("POST", f"{hub_url}/chat/completions", json=BODY, headers={"Authorization": f"Bearer {alice.key}"})
        as response,
    ):  # fmt: skip
        hold = CreditHold.objects.get(request_id=response.headers["x-request-id"])
        assert (hold.user_id, hold.key_id, hold.model_requested, hold.stream) == (
            alice.user.pk, alice.user.hub_keys.get().pk, "gpt-4o", True,
        )  # fmt: skip
        assert hold.prompt_tokens > 0 and hold.cost > 0


def test_charlies_stream_is_held_on_his_own_team(hub_url, upstream, charlie, globex, acme):
    upstream.script("gpt-4o", Reply(chunks=[" w"] * 30, chunk_delay=0.1))
    with (
        httpx.Client(timeout=20) as client,
        client.stream("POST", f"{hub_url}/chat/completions", json=BODY, headers={"Authorization": f"Bearer {charlie.key}"})
        as response,
    ):  # fmt: skip
        hold = CreditHold.objects.get(request_id=response.headers["x-request-id"])
        assert (hold.team_id, hold.user_id) == (globex.pk, charlie.user.pk)


def test_streaming_output_is_checkpointed_on_the_hold(hub_url, upstream, alice, acme):
    upstream.script("gpt-4o", Reply(chunks=[" word"] * 60, chunk_delay=0.05))
    with (
        httpx.Client(timeout=20) as client,
        client.stream("POST", f"{hub_url}/chat/completions", json=BODY, headers={"Authorization": f"Bearer {alice.key}"})
        as response,
    ):  # fmt: skip
        request_id = response.headers["x-request-id"]
        lines = response.iter_lines()
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            next(lines)
        hold = CreditHold.objects.get(request_id=request_id)
        assert hold.completion_tokens > 0
        assert hold.cost > CreditHold._meta.get_field("cost").default
        assert hold.model_served == "gpt-4o"


def test_stream_longer_than_the_hold_ttl_is_never_swept(settings, hub_url, upstream, alice, acme):
    settings.HOLD_TTL_SECONDS = 1
    settings.HOLD_SWEEP_INTERVAL_SECONDS = 0.3  # the ttl becomes 1 s; the sweeper ticks 3 times a second
    upstream.script("gpt-4o", Reply(chunks=[" w"] * 25, chunk_delay=0.12, completion_tokens=25))
    request_id, lines = _stream_lines(hub_url, alice.key, 10_000)
    assert lines[-1] == "data: [DONE]"
    record = UsageRecord.objects.get(request_id=request_id)
    assert record.status == "ok" and record.completion_tokens == 25
    assert UsageRecord.objects.count() == 1
    assert CreditLedgerEntry.objects.filter(kind="charge").count() == 1


def test_shutdown_past_its_grace_settles_live_streams_as_interrupted(upstream, alice, acme):
    upstream.script("gpt-4o", Reply(chunks=[" word"] * 200, chunk_delay=0.05))
    caller = Caller(user_id=alice.user.pk, team_id=acme.pk, key_id=None)
    request = ChatRequest(model="gpt-4o", messages=[{"role": "user", "content": "count"}], stream=True)

    async def stream_then_shut_down() -> str:
        opened: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        async def serve() -> None:  # as a server's request task: admitted, then relaying
            stream = await open_stream(caller, request)
            opened.set_result(stream.call.request_id)
            async for _event in stream.events():
                pass

        serving = asyncio.ensure_future(serve())
        request_id = await opened
        await asyncio.sleep(1.5)  # past the first checkpoint
        assert await sweeper.drain(0.2) == 1
        assert serving.cancelled()
        await sweeper.stop()
        await close_client()
        return request_id

    try:
        request_id = asyncio.run(stream_then_shut_down())
    finally:
        charging.stop_interrupting()
        close_db_connections()
    record = UsageRecord.objects.get(request_id=request_id)
    assert (record.status, record.error_code) == ("interrupted", "server_shutdown")
    assert record.completion_tokens > 0
    assert CreditLedgerEntry.objects.filter(kind="charge").count() == 1
    assert not CreditHold.objects.exists()
