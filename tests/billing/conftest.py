"""Billing test fixtures: a staff user, `spend(person, cost, ...)` settling a request the real way, clean
rate-limit buckets, a loopback webhook receiver and a wider database pool."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from billing.ledger import UsageDraft, settle_usage
from billing.models import HubKey, UsageRecord
from tests.conftest import Person


@pytest.fixture
def staff(db: Any) -> Person:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("root", "root@example.com", "correct-horse-battery", is_staff=True)
    return Person(user=user, key="")


@pytest.fixture
def spend(db: Any):
    """spend(person, "0.25", model=..., ...) -> the UsageRecord, settled and charged through billing.ledger."""

    def settle(
        person: Person, cost: str, *, model: str = "gpt-4o", provider: str = "openai", **extra: Any
    ) -> UsageRecord:
        key = HubKey.objects.filter(user=person.user).first()
        fields: dict[str, Any] = {
            "request_id": f"req-{uuid.uuid4().hex}",
            "user_id": person.user.pk,
            "team_id": key.team_id,
            "key_id": key.pk,
            "model_requested": model,
            "model_served": model,
            "provider": provider,
            "cost": Decimal(cost),
            "status": "ok",
            "prompt_tokens": 100,
            "completion_tokens": 50,
        }
        fields.update(extra)
        settlement = settle_usage(UsageDraft(**fields))
        return UsageRecord.objects.get(pk=settlement.usage_id)

    return settle


@pytest.fixture(autouse=True)
def _plain_http(settings: Any) -> None:
    """Pages are served over plain http in tests (production redirects them to https)."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


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
        self.status = 204  # what it answers; a test may set another
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                receiver.received.append(json.loads(self.rfile.read(length)))
                receiver.arrived.set()
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
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
def webhook(settings: Any) -> Iterator[WebhookReceiver]:
    """A loopback receiver; loopback is a private address, which the hub calls only when allowed."""
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = True
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def wide_db_pool(settings: Any) -> Iterator[int]:
    """Give the live hub's database pool 16 threads (connections) for the length of a test."""
    from llmhub.infra.db_executor import close_db_connections

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


def lead_of(team: Any, username: str = "gina") -> Person:
    """A team admin (lead) of `team`, without a key."""
    from django.contrib.auth import get_user_model

    from billing.models import Membership

    user = get_user_model().objects.create_user(username, f"{username}@example.com", "correct-horse-battery")
    Membership.objects.create(user=user, team=team, role=Membership.ADMIN)
    return Person(user=user, key="")


@pytest.fixture(scope="session")
def oidc_provider(live_hub: Any) -> Iterator[Any]:
    """A real OpenID provider (panva's oidc-provider) on loopback whose one client returns to the live hub."""
    from tests.billing.oidc_provider import OidcProvider

    provider = OidcProvider(live_hub.url + "/accounts/sso/callback/").start()
    yield provider
    provider.stop()


@pytest.fixture
def sso(settings: Any, oidc_provider: Any) -> Iterator[Any]:
    """Single sign-on on, against the loopback provider, with its groups mapped to acme."""
    from billing import sso_provider
    from tests.billing.oidc_provider import configure

    configure(settings, oidc_provider.issuer)
    yield oidc_provider
    sso_provider.forget_discovery()
