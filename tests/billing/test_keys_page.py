"""The Keys page: a new key is shown once and works; expiry and team are validated; revoke confirms first."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from billing.keys import authenticate_key
from billing.models import HubKey
from llmhub.errors import AuthenticationFailed

pytestmark = pytest.mark.django_db


def _create(client, person, **fields):
    client.force_login(person.user)
    data = {"name": "CI pipeline", "team": person.user.memberships.get().team_id, **fields}
    return client.post("/keys/", data)


def test_a_new_key_is_shown_once_and_authenticates(client, bob):
    response = _create(client, bob)
    assert response.status_code == 200
    plaintext = re.search(r'value="(sk-hub-[^"]+)"', response.content.decode()).group(1)
    assert response["Cache-Control"].startswith("max-age=0")
    identity = authenticate_key(plaintext)
    assert identity.user_id == bob.user.pk
    again = client.get("/keys/").content.decode()
    assert plaintext not in again
    assert "CI pipeline" in again and plaintext[:13] in again


def test_a_key_with_an_expiry_day_stops_after_that_day(client, bob):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    _create(client, bob, expires_on=tomorrow.isoformat())
    key = HubKey.objects.get(name="CI pipeline")
    assert timezone.localtime(key.expires_at).date() == tomorrow + dt.timedelta(days=1)


def test_an_expiry_in_the_past_is_refused(client, bob):
    response = _create(client, bob, expires_on="2020-01-01")
    assert response.status_code == 400
    assert "Pick today or a later day" in response.content.decode()
    assert not HubKey.objects.filter(name="CI pipeline").exists()


def test_a_key_cannot_be_made_for_a_team_the_user_is_not_in(client, bob, charlie):
    response = _create(client, charlie, team=bob.user.memberships.get().team_id)
    assert response.status_code == 400
    assert not HubKey.objects.filter(name="CI pipeline").exists()


def test_a_nameless_key_is_refused_with_a_message(client, bob):
    response = _create(client, bob, name="")
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_revoke_asks_first_then_revokes(client, bob):
    key = HubKey.objects.get(user=bob.user)
    client.force_login(bob.user)
    confirm = client.get(f"/keys/{key.pk}/revoke/")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is None
    assert client.post(f"/keys/{key.pk}/revoke/").status_code == 302
    with pytest.raises(AuthenticationFailed):
        authenticate_key(bob.key)
    assert "revoked" in client.get("/keys/").content.decode()


def test_keys_page_shows_spend_per_key(client, bob, spend):
    spend(bob, "3.21")
    client.force_login(bob.user)
    assert "$3.21" in client.get("/keys/").content.decode()


def test_a_user_without_a_team_is_told_how_to_get_one(client, db):
    from django.contrib.auth import get_user_model

    loner = get_user_model().objects.create_user("loner", password="x-correct-horse")
    client.force_login(loner)
    assert "not in any team yet" in client.get("/keys/").content.decode()
