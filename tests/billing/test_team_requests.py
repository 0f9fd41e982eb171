"""The team's request list for its admins: filters (member, model, tool, dates, status, refused), paging,
and the CSV of the same selection with formula-like text neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.keys import issue_key
from billing.models import HubKey, UsageRecord
from billing.refusals import record_refusal
from billing.selectors import PAGE_SIZE

pytestmark = pytest.mark.django_db


def _list(client, person, query=""):
    client.force_login(person.user)
    response = client.get(f"/teams/acme/requests/{query}")
    assert response.status_code == 200
    return response.content.decode()


def _csv(client, person, query=""):
    client.force_login(person.user)
    response = client.get(f"/teams/acme/requests/export.csv{query}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response).decode())))


def _refuse(person, message="Out of credits", model="gpt-4o"):
    key = HubKey.objects.filter(user=person.user).first()
    return record_refusal(
        team_id=key.team_id, user_id=person.user.pk, key_id=key.pk, status=402, code="insufficient_credits",
        message=message, model=model,
    )  # fmt: skip


def test_the_list_filters_by_member_model_tool_and_status(client, alice, bob, charlie, spend):
    mine = spend(alice, "0.10", model="gpt-4o", client_tool="claude-code")
    bobs = spend(bob, "0.20", model="claude-sonnet-4", client_tool="curl")
    failed = spend(bob, "0", model="gpt-4o", status="error", error_code="upstream_error")
    others = spend(charlie, "0.30")

    def listed(query):
        page = _list(client, alice, query)
        return {r.request_id for r in (mine, bobs, failed, others) if r.request_id in page}

    assert listed("") == {mine.request_id, bobs.request_id, failed.request_id}  # never another team's
    assert listed(f"?member={bob.user.pk}") == {bobs.request_id, failed.request_id}
    assert listed("?model=gpt-4o") == {mine.request_id, failed.request_id}
    assert listed("?tool=curl") == {bobs.request_id}
    assert listed("?status=error") == {failed.request_id}
    assert listed(f"?member={bob.user.pk}&status=ok") == {bobs.request_id}


def test_the_list_filters_by_date_range(client, alice, spend):
    old = spend(alice, "0.10")
    new = spend(alice, "0.20")
    UsageRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    today = timezone.localdate()
    week_ago = today - dt.timedelta(days=7)
    page = _list(client, alice, f"?start={week_ago}&end={today}")
    assert new.request_id in page and old.request_id not in page
    page = _list(client, alice, f"?start={today - dt.timedelta(days=12)}&end={week_ago}")
    assert old.request_id in page and new.request_id not in page


def test_refused_lists_who_when_and_why(client, alice, bob, spend):
    spend(bob, "0.10")
    _refuse(bob, message="The team has $0.02 left; this answer could cost up to $0.40")
    page = _list(client, alice, "?status=refused")
    assert "1 refused request" in page
    assert f'href="/teams/acme/members/{bob.user.pk}/">bob</a>' in page
    assert "insufficient_credits" in page and "this answer could cost up to $0.40" in page


def test_refusals_of_another_member_or_model_are_filtered_out(client, alice, bob):
    _refuse(bob, model="gpt-4o")
    _refuse(alice, model="claude-sonnet-4", message="alice refused")
    assert "alice refused" not in _list(client, alice, f"?status=refused&member={bob.user.pk}")
    assert "alice refused" in _list(client, alice, "?status=refused&model=claude-sonnet-4")


def test_the_list_pages(client, alice, spend):
    first = [spend(alice, "0.01") for _ in range(PAGE_SIZE + 1)]
    page_one = _list(client, alice)
    assert f"{PAGE_SIZE + 1} requests" in page_one and "Page 1 of 2" in page_one
    assert first[0].request_id not in page_one  # the oldest is on page 2
    page_two = _list(client, alice, "?page=2")
    assert first[0].request_id in page_two and "Page 2 of 2" in page_two


def test_an_empty_list_says_what_to_do_and_shows_the_default_dates(client, alice):
    page = _list(client, alice)
    assert "No requests match these filters." in page
    today = timezone.localdate()
    assert f'value="{today}"' in page and f'value="{today - dt.timedelta(days=29)}"' in page


def test_bad_filters_fall_back_without_an_error_page(client, alice, spend):
    spend(alice, "0.10")
    page = _list(client, alice, "?start=2026-13-45&member=abc&status=nope&page=x")
    assert "Showing the last 30 days, unfiltered, instead." in page


def test_the_csv_holds_the_filtered_records_with_exact_totals(client, alice, bob, charlie, spend):
    spend(alice, "0.12345678", model="gpt-4o")
    spend(bob, "1.00000001", model="claude-sonnet-4")
    spend(charlie, "2.5")
    rows = _csv(client, alice)
    records, total = rows[:-1], rows[-1]
    assert {r["user"] for r in records} == {"alice", "bob"}
    assert total["created_at_utc"] == "TOTAL" and Decimal(total["charged_usd"]) == Decimal("1.12345679")
    rows = _csv(client, alice, "?model=claude-sonnet-4")
    assert [r["user"] for r in rows[:-1]] == ["bob"]


def test_csv_text_that_looks_like_a_formula_is_prefixed(client, alice, bob, spend, django_user_model):
    evil = django_user_model.objects.create_user("=HYPERLINK(1)", "e@example.com", "x")
    from billing.models import Membership

    team = HubKey.objects.get(user=bob.user).team
    Membership.objects.create(user=evil, team=team)
    issue_key(user=evil, team=team, name="k")
    spend(type(bob)(user=evil, key=""), "0.10", model="@SUM(A1)")
    rows = _csv(client, alice, f"?member={evil.pk}")
    assert rows[0]["user"] == "'=HYPERLINK(1)" and rows[0]["model_requested"] == "'@SUM(A1)"


def test_the_refused_csv_lists_who_when_and_why_prefixed(client, alice, bob):
    refusal = _refuse(bob, message="-1 credits left", model="+gpt")
    rows = _csv(client, alice, "?status=refused")
    assert len(rows) == 1
    row = rows[0]
    assert row["user"] == "bob" and row["status"] == "402" and row["code"] == "insufficient_credits"
    assert row["message"] == "'-1 credits left" and row["model"] == "'+gpt"
    assert row["created_at_utc"] == refusal.created_at.isoformat()


@pytest.mark.parametrize("query", ["?end=9999-12-31", "?start=9999-12-31", "?start=0001-01-01&end=0001-01-02"])
def test_dates_at_the_calendars_edges_are_not_a_server_error(client, alice, query):
    client.force_login(alice.user)
    assert client.get(f"/teams/acme/requests/{query}").status_code == 200
    assert client.get(f"/teams/acme/requests/export.csv{query}").status_code == 200


def test_the_staff_spend_pages_share_the_date_checks(client, staff):
    client.force_login(staff.user)
    assert client.get("/staff/spend/?end=9999-12-31").status_code == 200
    assert client.get("/staff/spend/records/?end=9999-12-31").status_code == 200
