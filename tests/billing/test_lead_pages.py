"""Leads drill down: a member's page (spend, models, keys, refusals) for the team's admins and staff only;
member names on the team page link to it; refused requests are listed with who, when and why."""

from __future__ import annotations

import pytest

from billing.keys import issue_key
from billing.models import HubKey, Membership
from billing.refusals import record_refusal
from tests.billing.conftest import lead_of

pytestmark = pytest.mark.django_db


def _get(client, person, url):
    client.force_login(person.user)
    return client.get(url)


def _refuse(person, *, code="budget_exceeded", status=402, message="bob's monthly cap of $1.00 is spent"):
    key = HubKey.objects.filter(user=person.user).first()
    return record_refusal(
        team_id=key.team_id, user_id=person.user.pk, key_id=key.pk, status=status, code=code, message=message,
        model="gpt-4o", request_id="req-refused-1",
    )  # fmt: skip


def test_a_lead_sees_a_members_spend_models_keys_and_refusals(client, alice, bob, spend):
    spend(bob, "0.75", model="gpt-4o")
    spend(bob, "0.25", model="claude-sonnet-4")
    _refuse(bob)
    key = HubKey.objects.get(user=bob.user)
    response = _get(client, alice, f"/teams/acme/members/{bob.user.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "$1.00" in page  # the spend over the period
    assert "gpt-4o" in page and "claude-sonnet-4" in page  # models used
    assert "chart-svg" in page  # the daily spend chart, as on My usage
    assert f"{key.prefix}…" in page and "bob&#x27;s key" in page  # the key by prefix and name
    assert key.hashed_key not in page and bob.key not in page  # never a secret
    assert "Over a budget or member cap" in page  # why, in words
    assert "budget_exceeded" in page and "monthly cap of $1.00 is spent" in page  # and what the API said


def test_a_lead_reads_why_a_request_was_refused_in_chinese(client, alice, bob):
    _refuse(bob)
    _refuse(bob, code="insufficient_credits", message="Insufficient credits")
    _refuse(bob, code="rate_limit_exceeded", status=429, message="Rate limit exceeded")
    client.force_login(alice.user)
    page = client.get(f"/teams/acme/members/{bob.user.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "超出预算或成员上限" in page and "额度不足" in page and "请求过多（速率限制）" in page
    assert "API 的原话" in page  # the API's own words, folded away


def test_a_member_page_with_nothing_says_so(client, alice, bob):
    page = _get(client, alice, f"/teams/acme/members/{bob.user.pk}/").content.decode()
    assert "No requests on this team in this period" in page
    assert "Nothing refused in this period" in page


def test_staff_see_any_teams_member_page(client, staff, bob):
    assert _get(client, staff, f"/teams/acme/members/{bob.user.pk}/").status_code == 200


def test_a_lead_of_another_team_gets_404(client, bob, charlie, globex):
    lead_of_globex = lead_of(globex)
    assert _get(client, lead_of_globex, f"/teams/acme/members/{bob.user.pk}/").status_code == 404
    assert _get(client, lead_of_globex, "/teams/acme/requests/").status_code == 404
    assert _get(client, lead_of_globex, "/teams/acme/requests/export.csv").status_code == 404


def test_a_lead_cannot_open_someone_outside_the_team_through_their_own_team(client, alice, charlie):
    assert _get(client, alice, f"/teams/acme/members/{charlie.user.pk}/").status_code == 404


def test_a_plain_member_is_refused(client, alice, bob):
    assert _get(client, bob, f"/teams/acme/members/{alice.user.pk}/").status_code == 403
    assert _get(client, bob, "/teams/acme/requests/").status_code == 403
    assert _get(client, bob, "/teams/acme/requests/export.csv").status_code == 403


def test_an_outsider_gets_404(client, charlie, bob):
    assert _get(client, charlie, f"/teams/acme/members/{bob.user.pk}/").status_code == 404
    assert _get(client, charlie, "/teams/acme/requests/").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, bob):
    response = client.get(f"/teams/acme/members/{bob.user.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_member_names_on_the_team_page_link_to_their_page(client, alice, bob):
    page = _get(client, alice, "/teams/acme/credits/").content.decode()
    assert f'href="/teams/acme/members/{bob.user.pk}/"' in page
    assert f'href="/teams/acme/members/{alice.user.pk}/"' in page
    assert 'href="/teams/acme/requests/"' in page


def test_the_team_page_lists_refusals_with_who_when_and_why(client, alice, bob):
    refusal = _refuse(bob, code="rate_limited", status=429, message="Too many requests per minute on this key")
    page = _get(client, alice, "/teams/acme/credits/").content.decode()
    table = page[page.index('class="refusal-list') :]
    table = table[: table.index("</table>")]
    assert f'href="/teams/acme/members/{bob.user.pk}/">bob</a>' in table  # who
    assert refusal.created_at.isoformat()[:16] in table  # when (the <time datetime>)
    assert "rate_limited" in table and "Too many requests per minute on this key" in table  # why


def test_a_former_member_who_spent_on_the_team_keeps_a_page(client, alice, bob, spend):
    spend(bob, "0.50")
    Membership.objects.filter(user=bob.user).delete()
    response = _get(client, alice, f"/teams/acme/members/{bob.user.pk}/")
    assert response.status_code == 200 and "former member" in response.content.decode()


def test_keys_of_another_team_are_not_on_the_member_page(client, alice, bob, globex):
    Membership.objects.create(user=bob.user, team=globex)
    other, _ = issue_key(user=bob.user, team=globex, name="globex side project")
    page = _get(client, alice, f"/teams/acme/members/{bob.user.pk}/").content.decode()
    assert "globex side project" not in page and other.prefix not in page
