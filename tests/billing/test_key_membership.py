"""A key works only while its owner is a member of its team: leaving the team stops it at once."""

from __future__ import annotations

import httpx
import pytest

from billing.models import Membership, UsageRecord

pytestmark = pytest.mark.django_db(transaction=True)


def _chat(hub_url: str, key: str) -> httpx.Response:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    return httpx.post(f"{hub_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=20)


def test_a_key_stops_the_moment_its_owner_leaves_the_team(hub_url, upstream, bob, acme):
    assert _chat(hub_url, bob.key).status_code == 200  # the key's identity is now cached
    Membership.objects.filter(user=bob.user, team=acme).delete()
    refused = _chat(hub_url, bob.key)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "revoked_api_key"
    assert UsageRecord.objects.count() == 1


def test_a_members_key_keeps_working_when_someone_else_leaves(hub_url, upstream, alice, bob, acme):
    assert _chat(hub_url, alice.key).status_code == 200
    Membership.objects.filter(user=bob.user, team=acme).delete()
    assert _chat(hub_url, alice.key).status_code == 200


def test_a_key_of_a_departed_owner_fails_even_after_a_restart(hub_url, upstream, charlie, globex):
    from billing.keys import forget_cached_keys

    Membership.objects.filter(user=charlie.user, team=globex).delete()
    forget_cached_keys()  # a fresh process: nothing cached
    assert _chat(hub_url, charlie.key).status_code == 401
