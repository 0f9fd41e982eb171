"""Billing test fixtures: clean rate-limit buckets, a loopback webhook receiver, a wider database pool,
and a helper to settle a request the way the gateway does."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fresh_billing_state() -> Iterator[None]:
    from billing import alerts, rate_limits

    rate_limits.reset()
    yield
    alerts.wait_for_deliveries()
    rate_limits.reset()


class WebhookReceiver:
    """A real HTTP server on loopback that records the JSON bodies POSTed to it."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                receiver.received.append(json.loads(self.rfile.read(length)))
                receiver.arrived.set()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def wide_db_pool(settings: Any) -> Iterator[int]:
    """Give the live hub's database pool 16 threads (connections) for the length of a test."""
    from llmhub.db_executor import close_db_connections

    close_db_connections()  # the pool is rebuilt at its next use, with the new size
    settings.DB_THREADS = 16
    yield 16
    close_db_connections()


def draft_for(person: Any, request_id: str, cost: str | Decimal, **extra: Any) -> Any:
    """A usage draft for a request made with `person`'s key on their team."""
    from billing.ledger import UsageDraft
    from billing.models import HubKey

    key = HubKey.objects.filter(user=person.user).first()
    return UsageDraft(
        request_id=request_id,
        user_id=person.user.pk,
        team_id=key.team_id,
        key_id=key.pk,
        model_requested="gpt-4.1",
        model_served="gpt-4.1",
        cost=Decimal(cost),
        status="ok",
        **extra,
    )
