"""Asking for credits from anywhere a member looks (the nav, My usage, the chat's prefilled link); a team with
no admin still reaches staff, and the member is told who decides; email links use SITE_URL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from billing.models import CreditRequest, Membership, Team

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _as(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def lonely(db):
    """A team whose only person is a member: nobody on the team can decide anything."""
    team = Team.objects.create(slug="lonely", name="Lonely Lab")
    user = get_user_model().objects.create_user("lou", "lou@example.com", "pw")
    Membership.objects.create(user=user, team=team, role=Membership.MEMBER)
    return user


def test_a_team_without_an_admin_asks_staff_who_see_it_in_their_queue(client, lonely, staff):
    page = _as(client, lonely).get("/teams/lonely/credits/ask/").content.decode()
    assert "Who decides: the hub&#x27;s staff." in page and "Your team has no admin" in page
    response = client.post("/teams/lonely/credits/ask/", {"amount": "25", "reason": "field study"})
    assert response.status_code == 302
    told = client.get(response.url).content.decode()
    assert "The hub admins are told by email" in told
    [email] = mail.outbox
    assert email.to == ["root@example.com"] and "Lonely Lab" in email.subject
    queue = _as(client, staff.user).get("/staff/credit-requests/")
    assert queue.status_code == 200 and "field study" in queue.content.decode()
    assert "Lonely Lab" in queue.content.decode()


def test_a_team_with_an_admin_is_not_told_it_has_none(client, alice, bob):
    page = _as(client, bob.user).get("/teams/acme/credits/ask/").content.decode()
    assert "Who decides: the hub&#x27;s staff." in page and "Your team has no admin" not in page


def test_the_decision_email_links_through_site_url_to_a_page_the_member_can_open(client, bob, staff, settings):
    settings.SITE_URL = "https://hub.example.org"
    _as(client, bob.user).post("/teams/acme/credits/ask/", {"amount": "40", "reason": "demo day"})
    assert "https://hub.example.org/staff/credit-requests/" in mail.outbox[0].body
    asked = CreditRequest.objects.get()
    mail.outbox.clear()
    _as(client, staff.user).post(f"/staff/credit-requests/{asked.pk}/decide/", {"decision": "approve"})
    [email] = [m for m in mail.outbox if m.to == ["bob@example.com"]]
    [link] = re.findall(r"https?://\S+", str(email.body))
    assert link == "https://hub.example.org/teams/acme/credits/ask/" and ":8000" not in email.body
    page = _as(client, bob.user).get(link.removeprefix(settings.SITE_URL))
    assert page.status_code == 200 and "approved" in page.content.decode()


def test_the_chats_link_opens_the_ask_page_prefilled(client, bob):
    page = _as(client, bob.user).get("/teams/acme/credits/ask/?amount=7.00").content.decode()
    assert 'value="7.00"' in page and "Request credits for Acme" in page


def test_the_nav_and_my_usage_link_to_the_ask_page(client, bob):
    usage = _as(client, bob.user).get("/usage/").content.decode()
    assert 'href="/credits/ask/"' in usage  # the nav, on every page
    assert 'href="/teams/acme/credits/ask/"' in usage  # My usage, per team
    response = client.get("/credits/ask/")
    assert response.status_code == 302 and response.url == "/teams/acme/credits/ask/"


def test_someone_in_two_teams_picks_one(client, bob, globex):
    Membership.objects.create(user=bob.user, team=globex, role=Membership.MEMBER)
    page = _as(client, bob.user).get("/credits/ask/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'href="/teams/acme/credits/ask/"' in body and 'href="/teams/globex/credits/ask/"' in body


def test_someone_in_no_team_is_told_so(client):
    user = get_user_model().objects.create_user("nova", "nova@example.com", "pw")
    page = _as(client, user).get("/credits/ask/")
    assert page.status_code == 200 and "You are not in a team yet" in page.content.decode()


def _site_url(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "HUB_URL", "ALLOWED_HOSTS", "HTTPS_ONLY")}
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "llmhub.settings", **env},
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout.strip().splitlines()[-1]


def test_site_url_is_configured_or_derived_from_the_allowed_hosts():
    assert _site_url(SITE_URL="https://llm.example.org/") == "https://llm.example.org"
    assert _site_url(HUB_URL="http://127.0.0.1:8010") == "http://127.0.0.1:8010"  # the older name still read
    assert _site_url(ALLOWED_HOSTS="hub.example.org,.example.org", HTTPS_ONLY="true") == "https://hub.example.org"
    assert _site_url(ALLOWED_HOSTS="*,hub.lan", HTTPS_ONLY="false") == "http://hub.lan"
