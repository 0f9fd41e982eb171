"""The audit log page: staff read every entry, a team admin their team's only, members get 403; filters by
who, action, team and dates; pages; a CSV whose text cannot become a spreadsheet formula; both languages."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from billing.audit_log import Target, record
from billing.models import AuditEntry

pytestmark = pytest.mark.django_db


def _as(client, person):
    client.force_login(person.user)
    return client


@pytest.fixture
def entries(alice, staff, acme, globex):
    """One entry in each team and one hub-wide, by different people."""
    record(
        alice.user,
        "budget.create",
        Target.of("budget", 1, "acme-budget", acme),
        after={"amount": "50.00", "period": "monthly", "name": ""},
    )
    record(staff.user, "credits.grant", Target.of("ledger_entry", 2, "globex-grant", globex), {"balance": "50.00"},
           {"balance": "75.00"})  # fmt: skip
    record(staff.user, "provider.change", Target.of("provider", 3, "hub-wide-provider"), {"enabled": True},
           {"enabled": False})  # fmt: skip


def _csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(response).decode())))


def test_staff_read_every_teams_entries_and_the_hub_wide_ones(client, staff, entries):
    page = _as(client, staff).get("/audit/").content.decode()
    assert "acme-budget" in page and "globex-grant" in page and "hub-wide-provider" in page
    assert "Balance</span>: 50.00 → 75.00" in page and "Enabled</span>: yes → no" in page
    assert "Period</span>: – → Monthly" in page and "Note</span>" not in page  # codes in words; blanks left out


def test_a_team_admin_reads_only_their_teams_entries(client, alice, entries):
    response = _as(client, alice).get("/audit/")
    page = response.content.decode()
    assert response.status_code == 200 and "acme-budget" in page
    assert "globex-grant" not in page and "hub-wide-provider" not in page
    rows = _csv(client.get("/audit/export.csv"))
    assert {row["target"] for row in rows} >= {"acme-budget"}
    assert not {"globex-grant", "hub-wide-provider"} & {row["target"] for row in rows}


def test_a_team_admin_cannot_filter_their_way_into_another_team(client, alice, globex, entries):
    page = _as(client, alice).get(f"/audit/?team={globex.pk}").content.decode()
    assert "globex-grant" not in page
    assert "globex-grant" not in b"".join(client.get(f"/audit/export.csv?team={globex.pk}")).decode()
    assert "hub-wide-provider" not in _as(client, alice).get("/audit/?team=none").content.decode()


@pytest.mark.parametrize("path", ["/audit/", "/audit/export.csv"])
def test_members_get_403(client, bob, charlie, entries, path):
    assert _as(client, bob).get(path).status_code == 403
    assert _as(client, charlie).get(path).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/audit/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_nav_offers_the_log_to_leads_and_staff_only(client, alice, bob, staff):
    assert 'href="/audit/"' in _as(client, alice).get("/usage/").content.decode()
    assert 'href="/audit/"' in _as(client, staff).get("/usage/").content.decode()
    assert 'href="/audit/"' not in _as(client, bob).get("/usage/").content.decode()


def test_filters_by_who_action_team_and_dates(client, staff, alice, acme, globex, entries):
    _as(client, staff)
    by_alice = client.get("/audit/?actor=ALI").content.decode()
    assert "acme-budget" in by_alice and "globex-grant" not in by_alice
    grants = client.get("/audit/?action=credits.grant").content.decode()
    assert "globex-grant" in grants and "acme-budget" not in grants
    hub_wide = client.get("/audit/?team=none").content.decode()
    assert "hub-wide-provider" in hub_wide and "acme-budget" not in hub_wide
    acme_only = {row["target"] for row in _csv(client.get(f"/audit/export.csv?team={acme.pk}"))}
    assert "acme-budget" in acme_only and not {"globex-grant", "hub-wide-provider"} & acme_only
    AuditEntry.objects.create(action="team.change", target_type="team", target_label="last-month",
                              at=timezone.now() - dt.timedelta(days=40))  # fmt: skip
    today = timezone.localdate()
    recent = client.get(f"/audit/?start={today - dt.timedelta(days=7)}&end={today}").content.decode()
    assert "acme-budget" in recent and "last-month" not in recent
    older = client.get(f"/audit/?end={today - dt.timedelta(days=30)}").content.decode()
    assert "last-month" in older and "acme-budget" not in older


def test_an_impossible_range_says_so_and_shows_everything(client, staff, entries):
    page = _as(client, staff).get("/audit/?start=2026-05-02&end=2026-05-01").content.decode()
    assert "The start date is after the end date." in page and "acme-budget" in page


def test_an_empty_log_says_what_will_appear_and_a_filter_that_matches_nothing_says_so(client, staff, alice, entries):
    page = _as(client, staff).get("/audit/?actor=nobody-at-all").content.decode()
    assert "No entries match these filters." in page


def test_a_new_hub_shows_the_helpful_empty_state(client, staff):
    page = _as(client, staff).get("/audit/").content.decode()
    assert "Nothing recorded yet." in page and "Export these entries" not in page


def test_the_log_is_paged_newest_first(client, staff, acme):
    for number in range(55):
        record(None, "team.change", Target.of("team", acme.pk, f"change-{number:02d}", acme), after={"n": number})
    first = _as(client, staff).get("/audit/").content.decode()
    assert "change-54" in first and "change-05" in first and "change-04" not in first and "Page 1 of 2" in first
    second = client.get("/audit/?page=2").content.decode()
    assert "change-04" in second and "change-00" in second and "change-54" not in second


def test_csv_text_cannot_become_a_spreadsheet_formula(client, staff, acme):
    record(staff.user, "key.create", Target.of("key", 9, '=HYPERLINK("http://evil")', acme), after={"name": "@x"})
    [row] = _csv(_as(client, staff).get("/audit/export.csv"))
    assert row["target"] == '\'=HYPERLINK("http://evil")'
    assert (row["actor"], row["team"], row["action"]) == ("root", "Acme", "key.create")
    assert row["after"] == '{"name": "@x"}' and row["before"] == "{}"


def test_the_page_speaks_chinese(client, staff, entries):
    client.cookies["django_language"] = "zh-hans"
    page = _as(client, staff).get("/audit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "审计日志" in page and "Audit log" not in page


@pytest.mark.parametrize(
    "query",
    ["page=abc", "page=99999", "team=abc", "team=-1", "action=bogus", "start=junk", "end=2026-13-45",
     "actor=" + "x" * 500, "start=0001-01-01&end=9999-12-31"],
)  # fmt: skip
def test_odd_queries_answer_the_page_not_an_error(client, staff, entries, query):
    _as(client, staff)
    assert client.get(f"/audit/?{query}").status_code == 200
    assert client.get(f"/audit/export.csv?{query}").status_code == 200
