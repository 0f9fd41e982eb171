"""The alert webhook on the team credits page: only the team's admins set, see and test it; the URL must be
public http(s); a test alert really goes out and its answer is shown."""

from __future__ import annotations

import socket

import pytest

from billing.models import Team

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://93.184.215.14/hooks/T000-secret-token"  # an IP literal: validated without DNS


def _as(client, person):
    client.force_login(person.user)
    return client


def _saved_url() -> str:
    return Team.objects.get(slug="acme").alert_webhook_url


def _flash(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_team_admin_saves_a_public_webhook_url(client, alice):
    response = _as(client, alice).post("/teams/acme/credits/webhook/", {"url": PUBLIC_URL}, follow=True)
    assert response.status_code == 200
    assert "Alert webhook saved." in _flash(response)
    assert _saved_url() == PUBLIC_URL
    assert f'value="{PUBLIC_URL}"' in response.content.decode()  # team admins see it in full


def test_team_admin_removes_the_webhook_with_an_empty_url(client, alice, acme):
    acme.alert_webhook_url = PUBLIC_URL
    acme.save()
    response = _as(client, alice).post("/teams/acme/credits/webhook/", {"url": ""}, follow=True)
    assert "Alert webhook removed." in _flash(response)
    assert _saved_url() == ""


@pytest.mark.parametrize(
    "url", ["ftp://93.184.215.14/hook", "javascript:alert(1)", "file:///etc/passwd", "93.184.215.14/hook", "hook"]
)
def test_webhook_url_must_be_http_or_https(client, alice, url):
    response = _as(client, alice).post("/teams/acme/credits/webhook/", {"url": url})
    assert response.status_code == 400
    assert "Enter a full http:// or https:// URL." in response.content.decode()
    assert _saved_url() == ""


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://0.0.0.0/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fd00::1]/hook",
    ],
)
def test_webhook_url_on_a_loopback_or_private_address_is_refused(client, alice, url):
    response = _as(client, alice).post("/teams/acme/credits/webhook/", {"url": url})
    assert response.status_code == 400
    assert "alerts go only to public addresses" in response.content.decode()
    assert _saved_url() == ""


def test_webhook_url_with_credentials_is_refused(client, alice):
    response = _as(client, alice).post("/teams/acme/credits/webhook/", {"url": "https://user:pw@93.184.215.14/h"})
    assert response.status_code == 400
    assert _saved_url() == ""


def test_private_addresses_are_allowed_when_the_operator_allows_them(client, alice, settings):
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = True  # DEBUG's default, or ALERT_WEBHOOK_ALLOW_PRIVATE=true
    response = _as(client, alice).post("/teams/acme/credits/webhook/", {"url": "http://127.0.0.1:9/hook"})
    assert response.status_code == 302
    assert _saved_url() == "http://127.0.0.1:9/hook"


def test_only_the_team_admin_may_set_the_webhook(client, alice, bob, charlie, staff):
    for person, status in ((bob, 403), (charlie, 404), (staff, 403)):
        response = _as(client, person).post("/teams/acme/credits/webhook/", {"url": PUBLIC_URL})
        assert response.status_code == status, person.user.username
    assert _saved_url() == ""


def test_webhook_form_only_accepts_post(client, alice):
    assert _as(client, alice).get("/teams/acme/credits/webhook/").status_code == 405


def test_the_url_is_masked_for_staff_and_hidden_from_members(client, alice, bob, charlie, staff, acme):
    acme.alert_webhook_url = PUBLIC_URL
    acme.save()
    staff_page = _as(client, staff).get("/teams/acme/credits/").content.decode()
    assert "https://93.184.215.14/…" in staff_page
    assert "secret-token" not in staff_page and "Save webhook" not in staff_page
    for person, status in ((bob, 403), (charlie, 404)):
        response = _as(client, person).get("/teams/acme/credits/")
        assert response.status_code == status and "secret-token" not in response.content.decode()


def test_send_test_alert_posts_a_marked_payload_and_shows_the_answer(client, alice, acme, webhook):
    acme.alert_webhook_url = webhook.url
    acme.save()
    response = _as(client, alice).post("/teams/acme/credits/webhook/test/", follow=True)
    assert "Test alert delivered: the webhook answered 204 No Content." in _flash(response)
    [payload] = webhook.received
    assert payload["event"] == "billing.test" and payload["test"] is True and payload["team"] == "acme"
    assert "sent by alice" in payload["message"] and "nothing happened" in payload["message"]


def test_send_test_alert_shows_a_refusal_status(client, alice, acme, webhook):
    webhook.status = 500
    acme.alert_webhook_url = webhook.url
    acme.save()
    response = _as(client, alice).post("/teams/acme/credits/webhook/test/", follow=True)
    message = _flash(response)
    assert "The webhook answered 500 Internal Server Error: it did not accept the test alert." in message
    assert 'class="error"' in response.content.decode()


def test_send_test_alert_to_a_dead_port_shows_the_error(client, alice, acme, settings):
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = True
    with socket.socket() as probe:  # a loopback port with nobody listening
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    acme.alert_webhook_url = f"http://127.0.0.1:{closed_port}/hook"
    acme.save()
    response = _as(client, alice).post("/teams/acme/credits/webhook/test/", follow=True)
    assert "The test alert could not be delivered:" in _flash(response)
    assert "refused" in _flash(response).lower()


def test_send_test_alert_refuses_a_private_url_saved_before_the_rule(client, alice, acme, webhook, settings):
    acme.alert_webhook_url = webhook.url  # e.g. set in the Django admin
    acme.save()
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = False
    response = _as(client, alice).post("/teams/acme/credits/webhook/test/", follow=True)
    assert "The test alert was not sent: 127.0.0.1 is a loopback or private address" in _flash(response)
    assert webhook.received == []


def test_send_test_alert_without_a_url_says_so(client, alice):
    response = _as(client, alice).post("/teams/acme/credits/webhook/test/", follow=True)
    assert "There is no webhook URL to test" in _flash(response)


def test_only_the_team_admin_may_send_a_test_alert(client, alice, bob, charlie, staff, acme, webhook):
    acme.alert_webhook_url = webhook.url
    acme.save()
    for person, status in ((bob, 403), (charlie, 404), (staff, 403)):
        response = _as(client, person).post("/teams/acme/credits/webhook/test/")
        assert response.status_code == status, person.user.username
    assert webhook.received == []
