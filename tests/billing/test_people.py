"""People pages without the Django admin: a lead invites by email and the invitee joins with a role, signed
in; links die once used, cancelled or old (410); a lead touches only their own team (404 elsewhere) and never
removes or demotes its last admin; staff switch accounts off and on, send password links on SITE_URL, and
only superusers set the staff flag. Each change is in the audit log."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from billing.models import AuditEntry, Invitation, Membership

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "plum-orchard-7-lantern"


def _as(client, person):
    client.force_login(person.user)
    return client


def _invite(client, lead, email="dora@example.org", role="member", team="acme"):
    return _as(client, lead).post(f"/teams/{team}/people/", {"email": email, "role": role})


def _link_path(settings) -> str:
    link = re.search(r"https?://\S+", str(mail.outbox[-1].body)).group(0)
    assert link.startswith(settings.SITE_URL + "/")  # the configured public address, never a guessed port
    return link.removeprefix(settings.SITE_URL)


def _accept(client, path, username="dora", password=NEW_PASSWORD):
    return client.post(path, {"username": username, "password1": password, "password2": password})


def test_a_lead_invites_and_the_invitee_joins_with_the_role_signed_in(client, settings, alice, acme):
    settings.SITE_URL = "https://hub.example.org"
    response = _invite(client, alice, role="admin")
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["dora@example.org"] and "Acme" in mail.outbox[-1].body
    path = _link_path(settings)
    invitation = Invitation.objects.get()
    assert path.split("/")[2] not in invitation.token_hash  # only the token's hash is kept

    client.logout()
    assert client.get(path).status_code == 200
    response = _accept(client, path)

    assert response.status_code == 302
    dora = get_user_model().objects.get(username="dora")
    assert dora.email == "dora@example.org" and dora.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=dora, team=acme).role == "admin"
    assert client.get("/usage/").wsgi_request.user == dora  # signed in
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"invitation.create", "invitation.accept", "user.create", "membership.create"} <= actions


def test_a_used_link_is_gone(client, settings, alice):
    _invite(client, alice)
    path = _link_path(settings)
    client.logout()
    _accept(client, path)
    client.logout()

    again = client.get(path)
    assert again.status_code == 410 and "already accepted" in again.content.decode()
    assert _accept(client, path, username="mallory").status_code == 410
    assert not get_user_model().objects.filter(username="mallory").exists()


def test_an_expired_link_is_gone(client, settings, alice):
    _invite(client, alice)
    path = _link_path(settings)
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    client.logout()
    response = client.get(path)
    assert response.status_code == 410 and "expired" in response.content.decode()


def test_a_cancelled_link_is_gone_and_a_resent_one_replaces_it(client, settings, alice):
    _invite(client, alice)
    first = _link_path(settings)
    invitation = Invitation.objects.get()
    _as(client, alice).post(f"/teams/acme/invitations/{invitation.pk}/resend/")
    second = _link_path(settings)
    assert first != second and client.get(first).status_code == 404  # the old link stops working
    _as(client, alice).post(f"/teams/acme/invitations/{invitation.pk}/cancel/")
    client.logout()
    assert client.get(second).status_code == 410
    assert {"invitation.resend", "invitation.cancel"} <= set(AuditEntry.objects.values_list("action", flat=True))


def test_the_accept_page_applies_the_password_validators(client, settings, alice):
    _invite(client, alice)
    path = _link_path(settings)
    client.logout()
    response = _accept(client, path, password="123")
    assert response.status_code == 400
    assert not get_user_model().objects.filter(username="dora").exists()
    assert Invitation.objects.get().accepted_at is None


def test_inviting_someone_with_an_account_adds_them_at_once(client, alice, charlie, acme):
    response = _invite(client, alice, email="CHARLIE@example.com")
    assert response.status_code == 302 and not mail.outbox and not Invitation.objects.exists()
    assert Membership.objects.get(user=charlie.user, team=acme).role == "member"
    entry = AuditEntry.objects.get(action="membership.create", team_id=acme.pk)
    assert entry.actor_id == alice.user.pk and entry.after["user"] == "charlie"


def test_a_lead_of_one_team_cannot_touch_another(client, alice, bob, charlie, globex):
    invitation = Invitation.objects.create(
        email="x@example.org", team=globex, token_hash="0" * 64, expires_at=timezone.now() + dt.timedelta(days=1)
    )
    _as(client, alice)
    assert client.get("/teams/globex/people/").status_code == 404
    assert _invite(client, alice, team="globex").status_code == 404
    assert client.post(f"/teams/globex/people/{charlie.user.pk}/remove/").status_code == 404
    assert client.post(f"/teams/globex/people/{charlie.user.pk}/role/", {"role": "admin"}).status_code == 404
    assert client.post(f"/teams/globex/invitations/{invitation.pk}/cancel/").status_code == 404
    assert client.post(f"/teams/acme/invitations/{invitation.pk}/cancel/").status_code == 404  # not acme's
    assert Membership.objects.get(user=charlie.user).role == "member"
    assert Invitation.objects.get().cancelled_at is None
    assert _as(client, bob).get("/teams/acme/people/").status_code == 403  # a member, not an admin


def test_the_last_admin_can_be_neither_demoted_nor_removed(client, alice, bob, acme):
    response = _as(client, alice).post(f"/teams/acme/people/{alice.user.pk}/role/", {"role": "member"}, follow=True)
    assert "last admin" in response.content.decode()
    response = client.post(f"/teams/acme/people/{alice.user.pk}/remove/", follow=True)
    assert "last admin" in response.content.decode()
    assert Membership.objects.get(user=alice.user, team=acme).role == "admin"

    client.post(f"/teams/acme/people/{bob.user.pk}/role/", {"role": "admin"})
    client.post(f"/teams/acme/people/{alice.user.pk}/role/", {"role": "member"})  # bob admins now
    assert dict(Membership.objects.values_list("user__username", "role")) == {"alice": "member", "bob": "admin"}
    change = AuditEntry.objects.filter(action="membership.change").first()
    assert change.before == {"role": "admin"} and change.after == {"role": "member"}


def test_a_lead_removes_a_member(client, alice, bob, acme):
    _as(client, alice).post(f"/teams/acme/people/{bob.user.pk}/remove/")
    assert not Membership.objects.filter(user=bob.user, team=acme).exists()
    entry = AuditEntry.objects.get(action="membership.delete")
    assert entry.before["user"] == "bob" and entry.team_id == acme.pk


def test_staff_switch_an_account_off_and_it_cannot_sign_in(client, staff, bob):
    _as(client, staff).post(f"/staff/people/{bob.user.pk}/", {"action": "deactivate"})
    bob.user.refresh_from_db()
    assert not bob.user.is_active
    client.logout()
    client.post("/accounts/login/", {"username": "bob", "password": bob.password})
    assert not client.get("/usage/").wsgi_request.user.is_authenticated
    entry = AuditEntry.objects.get(action="user.change")
    assert entry.before == {"is_active": True} and entry.after == {"is_active": False}

    _as(client, staff).post(f"/staff/people/{bob.user.pk}/", {"action": "activate"})
    bob.user.refresh_from_db()
    assert bob.user.is_active


def test_a_session_open_before_the_switch_off_is_signed_out(client, staff, bob):
    _as(client, bob)
    bob.user.is_active = False
    bob.user.save()
    assert client.get("/usage/").status_code == 302  # to the sign-in page


def test_the_people_page_is_for_staff_only(client, alice, staff, bob, charlie):
    assert _as(client, alice).get("/staff/people/").status_code == 403
    assert client.post(f"/staff/people/{bob.user.pk}/", {"action": "deactivate"}).status_code == 403
    bob.user.refresh_from_db()
    assert bob.user.is_active
    page = _as(client, staff).get("/staff/people/?team=globex").content.decode()
    assert "charlie" in page and "bob@example.com" not in page
    page = client.get("/staff/people/?q=bob").content.decode()
    assert "bob@example.com" in page and "charlie@example.com" not in page
    page = client.get("/staff/people/?q=nobody-at-all").content.decode()
    assert "Nobody matches these filters." in page


def test_the_staff_people_page_gives_each_control_its_own_id(client, staff, acme):
    """The filters and the invite form both have a team and a role: each label must reach its own control."""
    page = _as(client, staff).get("/staff/people/").content.decode()
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for control in ("id_team", "id_role", "filter_team", "filter_role"):
        assert f'<label for="{control}">' in page


def test_only_superusers_set_the_staff_flag(client, staff, bob):
    response = _as(client, staff).post(f"/staff/people/{bob.user.pk}/", {"action": "staff"}, follow=True)
    assert "Only superusers" in response.content.decode()
    bob.user.refresh_from_db()
    assert not bob.user.is_staff
    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", "correct-horse-battery")
    client.force_login(boss)
    client.post(f"/staff/people/{bob.user.pk}/", {"action": "staff"})
    bob.user.refresh_from_db()
    assert bob.user.is_staff
    assert AuditEntry.objects.get(action="user.change").after == {"is_staff": True}


def test_staff_send_a_password_link_on_site_url_and_it_sets_the_password(client, settings, staff, bob):
    settings.SITE_URL = "https://hub.example.org"
    _as(client, staff).post(f"/staff/people/{bob.user.pk}/", {"action": "password"})
    assert mail.outbox[-1].to == ["bob@example.com"]
    path = _link_path(settings)
    client.logout()
    form = client.get(path, follow=True)  # Django moves the token into the session, then shows the form
    assert form.status_code == 200 and "Set a new password" in form.content.decode()
    response = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    bob.user.refresh_from_db()
    assert bob.user.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.get(action="user.password_link").target_label == "bob"


def test_a_key_owner_made_by_create_key_can_set_a_password_and_sign_in(client, settings, acme):
    settings.SITE_URL = "https://hub.example.org"
    call_command("create_key", "erin", "--team", "acme", "--email", "erin@example.org", stdout=io.StringIO())
    erin = get_user_model().objects.get(username="erin")
    assert not erin.has_usable_password() and erin.email == "erin@example.org"
    assert not client.login(username="erin", password="")

    client.post("/accounts/password/reset/", {"email": "erin@example.org"})  # the sign-in page's "Forgot"
    path = _link_path(settings)
    form = client.get(path, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert client.login(username="erin", password=NEW_PASSWORD)


def test_the_reset_form_tells_nothing_about_unknown_addresses(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302 and not mail.outbox


def test_the_nav_offers_people_to_leads_and_staff_only(client, alice, bob, staff):
    assert 'href="/people/"' in _as(client, alice).get("/usage/").content.decode()
    assert client.get("/people/").url == "/teams/acme/people/"
    assert 'href="/people/"' not in _as(client, bob).get("/usage/").content.decode()
    assert client.get("/people/").status_code == 404
    assert _as(client, staff).get("/people/").url == "/staff/people/"


def test_the_team_page_lists_members_and_open_invitations(client, alice, bob):
    page = _as(client, alice).get("/teams/acme/people/").content.decode()
    assert "No open invitation." in page and "bob@example.com" in page
    _invite(client, alice, email="dora@example.org")
    page = client.get("/teams/acme/people/").content.decode()
    assert "dora@example.org" in page and "No open invitation." not in page


def test_staff_give_a_key_owner_an_email_and_send_the_link(client, settings, staff, acme):
    settings.SITE_URL = "https://hub.example.org"
    call_command("create_key", "erin", "--team", "acme", stdout=io.StringIO())
    erin = get_user_model().objects.get(username="erin")
    page = _as(client, staff).get("/staff/people/?q=erin").content.decode()
    assert "Save and send password link" in page
    bad = client.post(f"/staff/people/{erin.pk}/", {"action": "email", "email": "not an email"}, follow=True)
    assert "Enter a valid email address." in bad.content.decode() and not mail.outbox
    client.post(f"/staff/people/{erin.pk}/", {"action": "email", "email": "erin@example.org"})
    assert mail.outbox[-1].to == ["erin@example.org"]
    path = _link_path(settings)
    client.logout()
    form = client.get(path, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert client.login(username="erin", password=NEW_PASSWORD)
    assert AuditEntry.objects.get(action="user.change").after == {"email": "erin@example.org"}


def test_inviting_the_same_email_twice_points_to_resend(client, alice):
    _invite(client, alice)
    again = _invite(client, alice, email="DORA@example.org")
    assert again.status_code == 302 and len(mail.outbox) == 1
    assert "invited already" in client.get("/teams/acme/people/").content.decode()
    assert Invitation.objects.count() == 1
