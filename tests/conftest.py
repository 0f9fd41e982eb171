"""Shared fixtures: the people (alice owns team acme, bob is in it, charlie is not), a live fake
upstream, and the hub served on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from tests.fake_upstream import FakeUpstream
from tests.live_hub import LiveHub


@dataclass
class Person:
    user: Any
    key: str
    password: str = "correct-horse-battery"


@pytest.fixture(scope="session")
def fake_upstream() -> Iterator[FakeUpstream]:
    fake = FakeUpstream().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def live_hub(django_db_setup: Any, django_db_blocker: Any) -> Iterator[LiveHub]:
    hub = LiveHub().start()
    yield hub
    hub.stop()
    from llmhub.db_executor import close_db_connections

    with django_db_blocker.unblock():
        close_db_connections()


@pytest.fixture
def upstream(settings: Any, fake_upstream: FakeUpstream, db: Any) -> Iterator[FakeUpstream]:
    """Route every catalog model to the fake upstream as if it were AIsa."""
    from billing.keys import forget_cached_keys
    from llmhub import catalog
    from llmhub.catalog_seed import seed_catalog

    seed_catalog()  # transactional tests flush tables, the seeded catalog included
    settings.AISA_API_KEY = "fake-aisa-key"
    settings.AISA_BASE_URL = fake_upstream.url + "/v1"
    settings.UPSTREAM_READ_TIMEOUT = 1.5
    settings.UPSTREAM_RETRY_BACKOFF = 0.01
    fake_upstream.reset()
    catalog.invalidate()
    forget_cached_keys()
    yield fake_upstream
    fake_upstream.reset()
    catalog.invalidate()


@pytest.fixture
def acme(db: Any) -> Any:
    from billing.ledger import grant_credits
    from billing.models import Team

    team = Team.objects.create(slug="acme", name="Acme")
    grant_credits(team=team, amount=Decimal("100"), memo="test credits")
    return team


@pytest.fixture
def globex(db: Any) -> Any:
    from billing.ledger import grant_credits
    from billing.models import Team

    team = Team.objects.create(slug="globex", name="Globex")
    grant_credits(team=team, amount=Decimal("50"), memo="test credits")
    return team


def _person(username: str, team: Any, role: str) -> Person:
    from django.contrib.auth import get_user_model

    from billing.keys import issue_key
    from billing.models import Membership

    user = get_user_model().objects.create_user(username, f"{username}@example.com", "correct-horse-battery")
    Membership.objects.create(user=user, team=team, role=role)
    _, key = issue_key(user=user, team=team, name=f"{username}'s key")
    return Person(user=user, key=key)


@pytest.fixture
def alice(acme: Any) -> Person:
    return _person("alice", acme, "admin")


@pytest.fixture
def bob(acme: Any) -> Person:
    return _person("bob", acme, "member")


@pytest.fixture
def charlie(globex: Any) -> Person:
    return _person("charlie", globex, "member")


@pytest.fixture
def hub_url(transactional_db: Any, live_hub: LiveHub, upstream: FakeUpstream) -> str:
    """The live hub's /v1 base URL, with the fake upstream behind it."""
    return live_hub.url + "/v1"


@pytest.fixture
def openai_client(hub_url: str, alice: Person) -> Any:
    from openai import OpenAI

    return OpenAI(api_key=alice.key, base_url=hub_url, max_retries=0, timeout=20)
