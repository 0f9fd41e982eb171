"""Chaos: a real hub process SIGKILLed with streams in flight while a second one runs, and with no new traffic
the books are whole within the hold TTL plus a sweep interval: each cut stream is one interrupted record and
one charge. The second process never sweeps the first's streams while it lives."""

from __future__ import annotations

import signal
import subprocess
import threading
import time

import httpx
import pytest
from django.core.management import call_command
from django.db import connection

from billing.models import CreditHold, CreditLedgerEntry, UsageRecord
from tests.fake_upstream import Reply
from tests.hub_process import free_port, spawn_hub, wait_for, wait_until_serving

pytestmark = pytest.mark.django_db(transaction=True)
TTL, SWEEP = 6, 1.0
STREAMS = 4


def _start_hub(port: int, fake_url: str, **extra_env: str) -> subprocess.Popen[bytes]:
    env = {"HOLD_TTL_SECONDS": str(TTL), "HOLD_SWEEP_INTERVAL_SECONDS": str(SWEEP), **extra_env}
    hub = spawn_hub(port, fake_url, **env)
    wait_until_serving(hub, port)
    return hub


def _stream_until_killed(url: str, key: str, ids: list[str]) -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "count slowly"}], "stream": True}
    try:
        with httpx.stream("POST", url, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=60) as response:
            ids.append(response.headers["x-request-id"])
            for _line in response.iter_lines():
                pass
    except httpx.HTTPError:
        pass  # the hub died under us: that is the point


def test_killed_hub_leaves_whole_books_after_restart(upstream, alice, acme):
    if connection.vendor != "postgresql":
        pytest.skip("a hub subprocess cannot share the SQLite test database (in memory); runs in the PostgreSQL lane")
    upstream.script("gpt-4o", *[Reply(chunks=[" word"] * 400, chunk_delay=0.05) for _ in range(STREAMS)])
    port, other_port = free_port(), free_port()
    hub = _start_hub(port, upstream.url)
    other = _start_hub(other_port, upstream.url)  # the fleet's other worker: idle, only its sweeper runs
    ids: list[str] = []
    clients = [
        threading.Thread(target=_stream_until_killed, args=(f"http://127.0.0.1:{port}/v1/chat/completions", alice.key, ids))
        for _ in range(STREAMS)
    ]  # fmt: skip
    try:
        for client in clients:
            client.start()
        checkpointed = lambda: CreditHold.objects.filter(completion_tokens__gt=0).count() == STREAMS  # noqa: E731
        assert wait_for(checkpointed, 20), "the streams never checkpointed"
        time.sleep(TTL + SWEEP)  # the live streams outlive the TTL: the other worker must not sweep them
        assert UsageRecord.objects.count() == 0
        hub.send_signal(signal.SIGKILL)
        hub.wait(10)
        killed_at = time.monotonic()
        assert UsageRecord.objects.count() == 0  # nothing settled them: the process died
        assert wait_for(lambda: UsageRecord.objects.count() == STREAMS, TTL + SWEEP + 10)
        took = time.monotonic() - killed_at
        assert len(ids) == STREAMS
        for request_id in ids:
            found = httpx.get(
                f"http://127.0.0.1:{other_port}/v1/generation", params={"id": request_id},
                headers={"Authorization": f"Bearer {alice.key}"}, timeout=10,
            ).json()  # fmt: skip
            assert found["status"] == "interrupted", found
            assert found["usage"]["completion_tokens"] > 0
            assert CreditLedgerEntry.objects.filter(kind="charge", usage__request_id=request_id).count() == 1
        assert not CreditHold.objects.exists()
        acme.refresh_from_db()
        assert acme.reserved == 0
        call_command("audit_ledger")  # exits non-zero on any breach
        # The last checkpoint or heartbeat came at most a second before the kill; allow a second of slack.
        assert took < TTL + SWEEP + 2, f"the books took {took:.1f} s to become whole"
    finally:
        for process in (hub, other):
            if process.poll() is None:
                process.kill()
                process.wait(10)
        for client in clients:
            client.join(10)


def test_sigterm_lets_streams_run_their_grace_then_settles_them_as_interrupted(upstream, alice, acme):
    if connection.vendor != "postgresql":
        pytest.skip("a hub subprocess cannot share the SQLite test database (in memory); runs in the PostgreSQL lane")
    upstream.script("gpt-4o", Reply(chunks=[" word"] * 400, chunk_delay=0.05))
    port = free_port()
    hub = _start_hub(port, upstream.url, SHUTDOWN_GRACE_SECONDS="1")
    ids: list[str] = []
    client = threading.Thread(
        target=_stream_until_killed, args=(f"http://127.0.0.1:{port}/v1/chat/completions", alice.key, ids)
    )
    try:
        client.start()
        assert wait_for(lambda: CreditHold.objects.filter(completion_tokens__gt=0).exists(), 20)
        hub.send_signal(signal.SIGTERM)
        # The stream was cut after its grace, so the server could exit (uvicorn re-raises the signal at the end).
        assert hub.wait(15) in (0, -signal.SIGTERM)
        record = UsageRecord.objects.get(request_id=ids[0])
        assert (record.status, record.error_code) == ("interrupted", "server_shutdown")
        assert record.completion_tokens > 0
        assert CreditLedgerEntry.objects.filter(kind="charge", usage=record).count() == 1
        assert not CreditHold.objects.exists()
        call_command("audit_ledger")
    finally:
        if hub.poll() is None:
            hub.kill()
            hub.wait(10)
        client.join(10)
