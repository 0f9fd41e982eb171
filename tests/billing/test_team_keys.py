"""Team admins on the Keys page: every key of their team (never a value or hash, never another team's),
revoking a member's key after confirming, and who revoked it shown to both."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from billing.keys import authenticate_key
from billing.ledger import settle_usage
from billing.models import HubKey
from llmhub.errors import AuthenticationFailed
from tests.billing.conftest import draft_for

pytestmark = pytest.mark.django_db


def _page(client, person) -> str:
    client.force_login(person.user)
    response = client.get("/keys/")
    assert response.status_code == 200
    return str(response.content.decode())


def _team_section(page: str) -> str:
    return page.split('class="card team-keys"', 1)[1].split("</section>", 1)[0]


def test_team_admin_sees_every_key_of_the_team(client, alice, bob, charlie):
    bobs_key = HubKey.objects.get(user=bob.user)
    section = _team_section(_page(client, alice))
    assert "Every key of team Acme" in section
    assert "bob" in section and "bob&#x27;s key" in section and bobs_key.prefix in section
    assert "alice&#x27;s key" in section
    assert f'href="/keys/{bobs_key.pk}/revoke/"' in section


def test_team_admin_never_sees_key_values_hashes_or_another_teams_keys(client, alice, bob, charlie):
    page = _page(client, alice)
    for person in (alice, bob):
        assert person.key not in page
        assert HubKey.objects.get(user=person.user).hashed_key not in page
    charlies_key = HubKey.objects.get(user=charlie.user)
    assert charlies_key.prefix not in page and "charlie" not in page and "Globex" not in page


def test_a_member_sees_only_their_own_keys(client, alice, bob):
    page = _page(client, bob)
    assert "Every key of team" not in page
    assert HubKey.objects.get(user=alice.user).prefix not in page and "alice" not in page


def test_staff_who_are_not_team_admins_see_only_their_own_keys(client, staff, alice, bob):
    page = _page(client, staff)
    assert "Every key of team" not in page and HubKey.objects.get(user=bob.user).prefix not in page


def test_team_keys_show_spend_this_month_only(client, alice, bob, spend):
    first_of_month = timezone.localdate().replace(day=1)
    last_month = dt.datetime.combine(first_of_month - dt.timedelta(days=3), dt.time(12), tzinfo=dt.UTC)
    settle_usage(draft_for(bob, "last-month", "40.00"), now=last_month)
    spend(bob, "1.25")
    assert "$1.25" in _team_section(_page(client, alice))
    assert "$41.25" in _page(client, bob)  # bob's own list: all-time spend


def test_team_admin_revokes_a_members_key_after_confirming(client, alice, bob):
    key = HubKey.objects.get(user=bob.user)
    client.force_login(alice.user)
    confirm = client.get(f"/keys/{key.pk}/revoke/").content.decode()
    assert "belongs to <strong>bob</strong>" in confirm and "cannot be undone" in confirm
    key.refresh_from_db()
    assert key.revoked_at is None  # asking is not revoking
    response = client.post(f"/keys/{key.pk}/revoke/", follow=True)
    assert "Key “bob&#x27;s key” of bob is revoked" in response.content.decode()
    revoked = HubKey.objects.get(pk=key.pk)
    assert revoked.revoked_at is not None and revoked.revoked_by == alice.user
    with pytest.raises(AuthenticationFailed):
        authenticate_key(bob.key)
    assert "by alice" in _team_section(_page(client, alice))
    assert "by alice" in _page(client, bob)  # the owner sees who revoked it


def test_an_owner_revoking_their_own_key_records_no_other_revoker(client, alice):
    key = HubKey.objects.get(user=alice.user)
    client.force_login(alice.user)
    client.post(f"/keys/{key.pk}/revoke/")
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by is None


def test_revoking_an_already_revoked_key_keeps_the_first_revoker(client, alice, bob):
    key = HubKey.objects.get(user=bob.user)
    client.force_login(bob.user)
    client.post(f"/keys/{key.pk}/revoke/")
    client.force_login(alice.user)
    client.post(f"/keys/{key.pk}/revoke/")
    key.refresh_from_db()
    assert key.revoked_by is None  # bob revoked it himself; alice's later click changed nothing


def test_team_admin_cannot_see_or_revoke_another_teams_key(client, alice, charlie):
    key = HubKey.objects.get(user=charlie.user)
    client.force_login(alice.user)
    assert client.get(f"/keys/{key.pk}/revoke/").status_code == 404
    assert client.post(f"/keys/{key.pk}/revoke/").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None
    authenticate_key(charlie.key)


def test_a_member_cannot_revoke_a_teammates_key(client, alice, bob):
    key = HubKey.objects.get(user=alice.user)
    client.force_login(bob.user)
    assert client.get(f"/keys/{key.pk}/revoke/").status_code == 404
    assert client.post(f"/keys/{key.pk}/revoke/").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_staff_who_are_not_team_admins_cannot_revoke_a_members_key(client, staff, bob):
    key = HubKey.objects.get(user=bob.user)
    client.force_login(staff.user)
    assert client.post(f"/keys/{key.pk}/revoke/").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None
