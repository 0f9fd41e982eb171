"""Single sign-on's own rules, on verified claims (billing/sso.py): the groups map, who an account is (linked by
issuer and subject; by email only when the provider verified it), teams and roles applied on every sign-in,
refusals, and the audit entries. The protocol against a real provider: test_oidc_flow.py."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured

from billing import people, sso
from billing.models import AuditEntry, Membership, SsoIdentity
from billing.sso import TeamRole, groups_of, parse_group_map, roles_for_groups

ISSUER = "https://id.example.org"


def test_the_group_map_reads_team_and_role_with_member_by_default():
    assert parse_group_map(" eng-leads=acme:admin, eng = acme ,/org/sales=globex:member,") == [
        TeamRole("eng-leads", "acme", "admin"),
        TeamRole("eng", "acme", "member"),
        TeamRole("/org/sales", "globex", "member"),
    ]
    assert parse_group_map("") == []


@pytest.mark.parametrize("text", ["eng", "=acme", "eng=", "eng=acme:owner", "eng=:admin"])
def test_a_malformed_group_map_entry_is_named(text):
    with pytest.raises(ImproperlyConfigured, match="OIDC_GROUP_MAP"):
        parse_group_map(text)


def test_admin_in_any_group_wins_and_the_groups_are_kept():
    group_map = parse_group_map("eng=acme,leads=acme:admin,ops=globex")
    assert roles_for_groups(["eng", "leads"], group_map) == {"acme": ("admin", ["eng", "leads"])}
    assert roles_for_groups(["ops", "other"], group_map) == {"globex": ("member", ["ops"])}
    assert roles_for_groups([], group_map) == {}


def test_the_groups_claim_is_a_list_a_lone_string_or_nothing():
    assert groups_of({"groups": ["a", "b", 7, {"x": 1}]}) == ["a", "b", "7"]
    assert groups_of({"groups": "a"}) == ["a"]
    assert groups_of({"groups": {"a": True}}) == []
    assert groups_of({"roles": ["r"]}, "roles") == ["r"]
    assert groups_of({}) == []


@pytest.fixture
def mapped(settings, db):
    settings.OIDC_GROUP_MAP = "eng=acme,leads=acme:admin"
    settings.OIDC_DEFAULT_TEAM = ""
    settings.OIDC_PROVIDER_NAME = "Example ID"


def claims(sub="u1", **extra):
    return {"sub": sub, "email": f"{sub}@example.org", "preferred_username": sub, **extra}


def test_a_new_person_gets_an_account_linked_to_their_subject(mapped, acme, alice):
    user = sso.sign_in(claims=claims(groups=["eng"], name="Una Lee"), issuer=ISSUER)
    assert (user.username, user.email, user.first_name, user.has_usable_password()) == (
        "u1", "u1@example.org", "Una Lee", False
    )  # fmt: skip
    assert SsoIdentity.objects.get(issuer=ISSUER, subject="u1").user == user
    assert Membership.objects.get(user=user, team=acme).role == "member"
    assert sso.sign_in(claims=claims(groups=["eng"]), issuer=ISSUER) == user  # the same account next time
    assert AuditEntry.objects.filter(action="user.create").count() == 1
    assert AuditEntry.objects.filter(action="membership.create").count() == 1


def test_a_taken_username_gets_a_number(mapped, acme, alice):
    user = sso.sign_in(claims=claims("x9", preferred_username="alice", groups=["eng"]), issuer=ISSUER)
    assert user.username == "alice-2" and user != alice.user


def test_an_existing_account_is_linked_only_by_a_verified_email(mapped, acme, alice, bob):
    for person, email in ((alice, "alice@corp.example"), (bob, "bob@corp.example")):
        person.user.email = email
        person.user.save()
    unverified = sso.sign_in(claims=claims("b1", email="bob@corp.example", groups=["eng"]), issuer=ISSUER)
    assert unverified != bob.user  # anyone can type an email at some providers
    verified = sso.sign_in(
        claims=claims("a2", email="ALICE@corp.example", email_verified=True, groups=["eng"]), issuer=ISSUER
    )
    assert verified == alice.user
    assert SsoIdentity.objects.get(subject="a2").user == alice.user
    assert Membership.objects.get(user=alice.user, team=acme).role == "admin"  # acme's last admin stays one
    assert not AuditEntry.objects.filter(action="user.create", target_label="alice").exists()


def test_nobody_new_gets_in_with_no_mapped_group_and_no_default_team(mapped, acme):
    with pytest.raises(sso.SsoRefused, match="no team on this hub is set up for your groups") as refused:
        sso.sign_in(claims=claims(groups=["sales"]), issuer=ISSUER)
    assert refused.value.status == 403
    assert not get_user_model().objects.filter(username="u1").exists()
    assert not AuditEntry.objects.exists()


def test_the_default_team_takes_them_with_its_role(mapped, settings, globex):
    settings.OIDC_DEFAULT_TEAM = "globex:admin"
    user = sso.sign_in(claims=claims(groups=["sales"]), issuer=ISSUER)
    assert Membership.objects.get(user=user).team == globex
    assert Membership.objects.get(user=user).role == "admin"


def test_a_default_team_that_does_not_exist_refuses(mapped, settings, db):
    settings.OIDC_DEFAULT_TEAM = "nowhere"
    with pytest.raises(sso.SsoRefused):
        sso.sign_in(claims=claims(), issuer=ISSUER)


def test_a_switched_off_account_is_refused(mapped, acme, staff):
    user = sso.sign_in(claims=claims(groups=["eng"]), issuer=ISSUER)
    people.user_set_active(user_id=user.pk, active=False, by=staff.user)
    with pytest.raises(sso.SsoRefused, match="switched off"):
        sso.sign_in(claims=claims(groups=["eng"]), issuer=ISSUER)


def test_roles_follow_the_groups_and_each_change_is_audited(mapped, acme, alice):
    user = sso.sign_in(claims=claims(groups=["eng", "leads"]), issuer=ISSUER)
    membership = Membership.objects.get(user=user, team=acme)
    assert membership.role == "admin"
    sso.sign_in(claims=claims(groups=["eng"]), issuer=ISSUER)  # alice is still an admin: the demotion stands
    membership.refresh_from_db()
    assert membership.role == "member"
    change = AuditEntry.objects.get(action="membership.change")
    assert change.before == {"role": "admin"} and change.after == {"role": "member", "sso_groups": ["eng"]}
    assert change.actor == user and change.team_id == acme.pk


def test_the_last_admin_is_not_demoted_by_their_groups(mapped, globex, settings):
    settings.OIDC_GROUP_MAP = "ops=globex:admin,ops-all=globex"
    user = sso.sign_in(claims=claims(groups=["ops"]), issuer=ISSUER)
    sso.sign_in(claims=claims(groups=["ops-all"]), issuer=ISSUER)
    assert Membership.objects.get(user=user, team=globex).role == "admin"


def test_a_team_the_map_names_that_does_not_exist_is_skipped(mapped, settings, acme):
    settings.OIDC_GROUP_MAP = "eng=acme,eng=ghost:admin"
    user = sso.sign_in(claims=claims(groups=["eng"]), issuer=ISSUER)
    assert [m.team.slug for m in Membership.objects.filter(user=user)] == ["acme"]


def test_an_invitation_gives_its_team_and_role_and_closes(mapped, settings, acme, globex, alice):
    settings.SITE_URL = "http://hub.example"
    people.invite(team=globex, email="someone@example.org", role="admin", by=alice.user)
    from django.core import mail

    token = str(mail.outbox[-1].body).split("/join/")[1].split("/")[0]
    user = sso.sign_in(claims=claims(groups=[]), issuer=ISSUER, invitation_token=token)
    assert Membership.objects.get(user=user, team=globex).role == "admin"
    with pytest.raises(people.InvitationGone):
        sso.sign_in(claims=claims("u2", groups=["eng"]), issuer=ISSUER, invitation_token=token)
    assert not get_user_model().objects.filter(username="u2").exists()  # refused whole
    assert AuditEntry.objects.filter(action="invitation.accept", actor=user).exists()


def test_malformed_sso_settings_fail_the_system_check(settings):
    from billing.sso import check_settings

    assert check_settings() == []
    settings.OIDC_GROUP_MAP = "eng=acme:owner"
    settings.OIDC_DEFAULT_TEAM = "globex:boss"
    assert [error.id for error in check_settings()] == ["billing.E001", "billing.E001"]
