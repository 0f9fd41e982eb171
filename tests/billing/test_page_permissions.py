"""Who sees which page: alice (team admin of acme), bob (member of acme), charlie (globex), staff."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import HubKey, Team

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    "/staff/spend/",
    "/staff/spend/records/",
    "/staff/spend/export.csv",
    "/staff/credits/",
    "/staff/price-match/",
]
EVERYONE_PAGES = ["/keys/", "/usage/", "/teams/"]


def _client(client, person):
    client.force_login(person.user)
    return client


@pytest.mark.parametrize("url", EVERYONE_PAGES + STAFF_PAGES + ["/teams/acme/credits/"])
def test_signed_out_visitors_are_sent_to_log_in(client, acme, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", EVERYONE_PAGES)
def test_every_member_has_the_personal_pages(client, charlie, url):
    assert _client(client, charlie).get(url, follow=True).status_code == 200


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_pages_refuse_team_admins_members_and_outsiders(client, alice, bob, charlie, url):
    for person in (alice, bob, charlie):
        client.force_login(person.user)
        assert client.get(url).status_code == 403, person.user.username


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_pages_open_for_staff(client, staff, url):
    assert _client(client, staff).get(url).status_code == 200


def test_team_credits_open_for_the_team_admin(client, alice):
    response = _client(client, alice).get("/teams/acme/credits/")
    assert response.status_code == 200
    assert b"Acme" in response.content


def test_team_credits_are_403_for_a_plain_member(client, bob):
    assert _client(client, bob).get("/teams/acme/credits/").status_code == 403


def test_team_credits_are_404_for_another_team(client, alice, charlie):
    assert _client(client, charlie).get("/teams/acme/credits/").status_code == 404
    assert _client(client, alice).get("/teams/globex/credits/").status_code == 404


def test_staff_sees_any_team_credits(client, staff, charlie):
    assert _client(client, staff).get("/teams/globex/credits/").status_code == 200


def test_threshold_can_be_set_only_by_the_team_admin(client, alice, bob, charlie):
    for person, status in ((charlie, 404), (bob, 403)):
        client.force_login(person.user)
        assert client.post("/teams/acme/credits/threshold/", {"threshold": "5"}).status_code == status
    assert Team.objects.get(slug="acme").low_balance_threshold is None
    client.force_login(alice.user)
    assert client.post("/teams/acme/credits/threshold/", {"threshold": "12.50"}).status_code == 302
    assert Team.objects.get(slug="acme").low_balance_threshold == Decimal("12.5")


def test_threshold_rejects_a_negative_amount(client, alice):
    response = _client(client, alice).post("/teams/acme/credits/threshold/", {"threshold": "-1"})
    assert response.status_code == 400
    assert Team.objects.get(slug="acme").low_balance_threshold is None


def test_nobody_can_revoke_or_see_someone_elses_key(client, alice, bob, charlie):
    key = HubKey.objects.get(user=alice.user)
    for person in (bob, charlie):
        client.force_login(person.user)
        assert client.get(f"/keys/{key.pk}/revoke/").status_code == 404
        assert client.post(f"/keys/{key.pk}/revoke/").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_usage_pages_never_show_another_persons_or_teams_spend(client, alice, bob, charlie, spend):
    spend(alice, "12.34", model="secret-model-of-alice")
    spend(charlie, "56.78", model="globex-model")
    bob_page = _client(client, bob).get("/usage/").content.decode()
    assert "secret-model-of-alice" not in bob_page and "$12.34" not in bob_page
    charlie_pages = "".join(_client(client, charlie).get(url).content.decode() for url in ("/usage/", "/keys/"))
    assert "Acme" not in charlie_pages and "secret-model-of-alice" not in charlie_pages
    assert "globex-model" in charlie_pages and "$56.78" in charlie_pages


def test_team_credits_show_only_that_teams_members(client, alice, bob, charlie, spend):
    spend(charlie, "9.99")
    page = _client(client, alice).get("/teams/acme/credits/").content.decode()
    assert "bob" in page and "charlie" not in page and "$9.99" not in page


def test_nav_offers_each_person_their_own_pages(client, alice, bob, staff):
    bob_nav = _client(client, bob).get("/usage/").content.decode()
    assert "Team credits" not in bob_nav and "Spend review" not in bob_nav
    alice_nav = _client(client, alice).get("/usage/").content.decode()
    assert "Team credits" in alice_nav and "Spend review" not in alice_nav
    assert "Spend review" in _client(client, staff).get("/usage/").content.decode()
