"""With REDIS_URL, a change made by another worker (a revoked key, a removed member, a new budget, a catalog
edit) reaches this worker's caches within a second, not after their TTLs."""

from __future__ import annotations

import os
import time
from decimal import Decimal

import pytest
from django.core.cache import cache

from billing import budgets, cache_generations, keys
from billing.models import Budget, HubKey, Membership
from llmhub import catalog
from llmhub.errors import AuthenticationFailed
from llmhub.models import CatalogModel

pytestmark = [
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set (the Redis lane)"),
    pytest.mark.django_db,
]


@pytest.fixture(autouse=True)
def _watching(settings):
    settings.REDIS_URL = os.environ.get("REDIS_URL", "")
    settings.KEY_CACHE_SECONDS = 60  # far longer than the test: only the generation can refresh the cache
    cache_generations.start_watching()
    cache_generations.poll_once()  # this worker's view of every generation, before the change


def _within_a_second(condition) -> bool:
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _refused(plaintext: str) -> bool:
    try:
        keys.authenticate_key(plaintext)
    except AuthenticationFailed:
        return True
    return False


def test_key_revoked_by_another_worker_is_refused_here_within_a_second(alice, acme):
    time.sleep(3 * cache_generations.POLL_SECONDS)  # the watcher has seen the fixtures' own bumps
    keys.authenticate_key(alice.key)  # cached in this worker
    HubKey.objects.filter(user=alice.user).update(revoked_at="2026-01-01T00:00:00Z")  # another worker's write
    assert not _refused(alice.key)  # still cached here...
    cache_generations.bump("keys")  # ...until that worker's bump arrives
    assert _within_a_second(lambda: _refused(alice.key))


def test_removing_a_member_tells_every_worker_to_forget_its_keys(bob, acme):
    before = cache.get("cache-generation:keys")
    Membership.objects.filter(user=bob.user).delete()  # as the admin's worker does
    assert cache.get("cache-generation:keys") != before


def test_an_unrelated_poll_forgets_nothing(charlie, globex):
    cache_generations.poll_once()  # past the bump of charlie's own membership
    keys.authenticate_key(charlie.key)
    assert cache_generations.poll_once() == []


def test_new_budget_in_another_worker_is_enforced_here_within_a_second(alice, acme):
    assert acme.pk not in budgets._teams_with_budgets()
    Budget.objects.bulk_create([Budget(team=acme, amount=Decimal("1"), period=Budget.TOTAL)])  # no signals here
    cache_generations.bump("budgets")
    assert _within_a_second(lambda: acme.pk in budgets._teams_with_budgets())


def test_catalog_edit_in_another_worker_reaches_this_snapshot_within_a_second(upstream):
    before = catalog.snapshot()
    CatalogModel.objects.filter(name="gpt-4o").update(description="edited elsewhere")
    cache_generations.bump("catalog")
    assert _within_a_second(lambda: catalog.snapshot() is not before)
    assert catalog.snapshot().models["gpt-4o"].description == "edited elsewhere"
