"""Single sign-on end to end over HTTP: httpx drives the authorization-code flow between the live hub and a real
OpenID provider on loopback (panva's oidc-provider), signing in at the provider's own page. Bad and hostile
callbacks, a provider that is down and a switched-off account each get a human page, never a 500."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from billing import people
from billing.models import AuditEntry, Invitation, Membership, SsoIdentity
from tests.billing.oidc_provider import ACCOUNTS, CLIENT_SECRET, OidcProvider, configure

pytestmark = pytest.mark.django_db(transaction=True)


def at_provider_page(client: httpx.Client, hub_root: str, start: str = "/accounts/sso/") -> httpx.Response:
    """Follow the hub's redirect to the provider's sign-in page."""
    page = client.get(hub_root + start, follow_redirects=True)
    assert page.status_code == 200, page.text[:300]
    return page


def sign_in_at_provider(client: httpx.Client, page: httpx.Response, login: str) -> httpx.Response:
    """Fill the provider's sign-in form; follows back to the hub and returns its last answer."""
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    form = {"login": login, "password": ACCOUNTS[login]["password"]}
    return client.post(urljoin(str(page.url), action), data=form, follow_redirects=True)


def sso_sign_in(client: httpx.Client, hub_root: str, login: str, start: str = "/accounts/sso/") -> httpx.Response:
    return sign_in_at_provider(client, at_provider_page(client, hub_root, start), login)


def signed_in_as(client: httpx.Client, hub_root: str) -> bool:
    return client.get(hub_root + "/usage/").status_code == 200  # signed out: a redirect to the sign-in page


def test_a_new_person_signs_in_and_lands_in_the_mapped_team_as_admin(hub_root, sso, acme, alice):
    with httpx.Client() as client:
        login_page = client.get(hub_root + "/accounts/login/")
        assert "Sign in with Example ID" in login_page.text
        page = at_provider_page(client, hub_root)
        assert page.url.host == "127.0.0.1" and str(page.url).startswith(sso.issuer + "/interaction/")
        authorize = next(r for r in page.history if r.url.path == "/auth")  # the hub's request to the provider
        asked = parse_qs(urlsplit(str(authorize.url)).query)
        assert asked["code_challenge_method"] == ["S256"] and asked["code_challenge"][0]
        assert asked["state"][0] and asked["nonce"][0] and asked["response_type"] == ["code"]
        landed = sign_in_at_provider(client, page, "dora")
        assert landed.status_code == 200 and str(landed.url).startswith(hub_root)
        assert signed_in_as(client, hub_root)

    dora = SsoIdentity.objects.get(issuer=sso.issuer, subject="dora").user
    assert (dora.username, dora.email, dora.has_usable_password()) == ("dora", "dora@example.org", False)
    assert Membership.objects.get(user=dora, team=acme).role == "admin"
    made = AuditEntry.objects.get(action="user.create", target_label="dora")
    assert made.after["sso_provider"] == "Example ID" and made.team_id == acme.pk
    joined = AuditEntry.objects.get(action="membership.create", target_id=str(dora.memberships.get().pk))
    assert joined.after["role"] == "admin" and joined.after["sso_groups"] == ["eng-leads"]
    assert joined.actor == dora  # the person signing in; the groups say why


def test_each_sign_in_applies_the_groups_again_and_audits_a_role_change(hub_root, sso, settings, acme, alice):
    with httpx.Client() as client:
        sso_sign_in(client, hub_root, "eve")
    eve = Membership.objects.get(user__username="eve", team=acme)
    assert eve.role == "member"
    settings.OIDC_GROUP_MAP = "eng=acme:admin"  # the hub admin now maps eve's group to team admins
    with httpx.Client() as client:
        sso_sign_in(client, hub_root, "eve")
        assert signed_in_as(client, hub_root)
    eve.refresh_from_db()
    assert eve.role == "admin"
    change = AuditEntry.objects.get(action="membership.change", target_id=str(eve.pk))
    assert (change.before, change.after) == ({"role": "member"}, {"role": "admin", "sso_groups": ["eng"]})
    assert SsoIdentity.objects.filter(subject="eve").count() == 1  # the same account, linked by subject


def test_a_person_with_no_mapped_group_and_no_invitation_gets_a_human_page(hub_root, sso, acme):
    with httpx.Client() as client:
        refused = sso_sign_in(client, hub_root, "mallory")
        assert refused.status_code == 403
        assert "Single sign-on did not work" in refused.text
        assert "no team on this hub is set up for your groups" in refused.text
        assert not signed_in_as(client, hub_root)
    assert not SsoIdentity.objects.exists() and not AuditEntry.objects.filter(action="user.create").exists()


def test_a_default_team_takes_people_with_no_mapped_group(hub_root, sso, settings, globex):
    settings.OIDC_DEFAULT_TEAM = "globex"
    with httpx.Client() as client:
        sso_sign_in(client, hub_root, "mallory")
        assert signed_in_as(client, hub_root)
    assert Membership.objects.get(user__username="mallory").team == globex
    assert Membership.objects.get(user__username="mallory").role == "member"


def test_a_switched_off_account_cannot_sign_in_with_sso(hub_root, sso, acme, alice, staff):
    with httpx.Client() as client:
        sso_sign_in(client, hub_root, "dora")
    dora = SsoIdentity.objects.get(subject="dora").user
    people.user_set_active(user_id=dora.pk, active=False, by=staff.user)
    with httpx.Client() as client:
        refused = sso_sign_in(client, hub_root, "dora")
        assert refused.status_code == 403 and "This account is switched off" in refused.text
        assert not signed_in_as(client, hub_root)


def test_an_invitee_joins_with_sso_instead_of_a_password(hub_root, sso, settings, acme, alice):
    settings.SITE_URL = hub_root
    invitation = people.invite(team=acme, email="frank@example.org", role="admin", by=alice.user)
    assert isinstance(invitation, Invitation)
    from django.core import mail

    link = re.search(r"https?://\S+", str(mail.outbox[-1].body)).group(0)
    with httpx.Client() as client:
        join_page = client.get(link)
        assert "Join with Example ID" in join_page.text
        start = re.search(r'href="(/accounts/sso/\?invitation=[^"]+)"', join_page.text).group(1)
        sso_sign_in(client, hub_root, "frank", start=start.replace("&amp;", "&"))
        assert signed_in_as(client, hub_root)
        assert client.get(link).status_code == 410  # the link is used, and so is its single sign-on start
        assert "already accepted" in client.get(hub_root + start.replace("&amp;", "&")).text
    frank = SsoIdentity.objects.get(subject="frank").user
    assert frank.email == "frank@elsewhere.example"  # the provider's account; the link was the proof
    assert Membership.objects.get(user=frank, team=acme).role == "admin"
    invitation.refresh_from_db()
    assert invitation.accepted_by == frank
    accepted = AuditEntry.objects.get(action="invitation.accept")
    assert accepted.actor == frank and accepted.after["sso_provider"] == "Example ID"


def test_hostile_callbacks_get_a_human_page(hub_root, sso, acme, caplog):
    caplog.set_level(logging.DEBUG)
    callback = hub_root + "/accounts/sso/callback/"
    with httpx.Client() as client:
        no_session = client.get(callback, params={"code": "abc", "state": "nope"})
        assert no_session.status_code == 400 and "was not started here" in no_session.text
        page = at_provider_page(client, hub_root)
        state = parse_qs(urlsplit(str(next(r for r in page.history if r.url.path == "/auth").url)).query)["state"][0]
        wrong_state = client.get(callback, params={"code": "abc", "state": "forged"})
        assert wrong_state.status_code == 400 and "Single sign-on did not work" in wrong_state.text
        missing_code = client.get(callback, params={"state": state})
        assert missing_code.status_code == 400 and "without a sign-in code" in missing_code.text
        forged_code = client.get(callback, params={"code": "forged-code", "state": state})
        assert forged_code.status_code == 400 and "did not accept this sign-in" in forged_code.text
        replayed = client.get(callback, params={"code": "forged-code", "state": state})
        assert replayed.status_code == 400 and "was not started here" in replayed.text  # the state is spent
        denied = client.get(callback, params={"error": "access_denied", "error_description": "you said no"})
        assert denied.status_code == 400 and "it said: you said no" in denied.text
        landed = sso_sign_in(client, hub_root, "dora")
        code_url = next(r.url for r in landed.history if r.url.path == "/accounts/sso/callback/")
        client.cookies.clear()
        stolen = client.get(str(code_url))  # a code replayed from another browser: no state in its session
        assert stolen.status_code == 400
    assert CLIENT_SECRET not in caplog.text


def test_a_provider_that_is_down_gets_a_human_page(hub_root, settings, acme, live_hub):
    provider = OidcProvider(live_hub.url + "/accounts/sso/callback/").start()
    configure(settings, provider.issuer)
    try:
        with httpx.Client() as client:
            to_provider = client.get(hub_root + "/accounts/sso/")
            assert to_provider.status_code == 302
            state = parse_qs(urlsplit(to_provider.headers["location"]).query)["state"][0]
            provider.stop()  # down between the redirect and the return
            back = client.get(hub_root + "/accounts/sso/callback/", params={"code": "abc", "state": state})
            assert back.status_code == 502 and "could not be reached" in back.text
            settings.OIDC_ISSUER_URL = provider.issuer + "/gone"  # and down before anyone starts
            start = client.get(hub_root + "/accounts/sso/")
            assert start.status_code == 502 and "Example ID could not be reached" in start.text
    finally:
        provider.stop()


def test_single_sign_on_is_off_until_configured(hub_root, settings):
    settings.OIDC_ISSUER_URL = ""
    with httpx.Client() as client:
        assert "Sign in with" not in client.get(hub_root + "/accounts/login/").text
        assert client.get(hub_root + "/accounts/sso/").status_code == 404
        assert client.get(hub_root + "/accounts/sso/callback/", params={"code": "a", "state": "b"}).status_code == 404
