"""Staff answer spend questions on the pages: date presets, the previous period, records sorted by cost (and
time, tokens, latency) with a top-N cut, a request found by its id, the daily trend stacked by model."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from billing.models import UsageRecord
from billing.reports import OTHER_MODELS, SpendFilter, daily_spend, daily_spend_by_model, spend_totals
from billing.rollups import hub_day, rebuild_rollups
from billing.selectors import sorted_records
from billing.spend_periods import compare_with_previous, matching_preset, preset_range, previous_period

pytestmark = pytest.mark.django_db

REQUEST_LINK = re.compile(r'href="/requests/([^/"]+)/"')


def _backdate(record: UsageRecord, days: int) -> None:
    UsageRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - dt.timedelta(days=days))


def _freeze(monkeypatch: Any, moment: dt.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


# --- presets


@pytest.mark.parametrize(
    ("preset", "today", "start", "end"),
    [
        ("today", "2026-03-15", "2026-03-15", "2026-03-15"),
        ("yesterday", "2026-03-01", "2026-02-28", "2026-02-28"),
        ("7d", "2026-03-15", "2026-03-09", "2026-03-15"),
        ("30d", "2026-03-15", "2026-02-14", "2026-03-15"),
        ("this_month", "2026-03-15", "2026-03-01", "2026-03-15"),
        ("this_month", "2026-03-01", "2026-03-01", "2026-03-01"),
        ("last_month", "2026-03-15", "2026-02-01", "2026-02-28"),
        ("last_month", "2026-01-10", "2025-12-01", "2025-12-31"),
        ("last_month", "2024-03-31", "2024-02-01", "2024-02-29"),
    ],
)
def test_presets_compute_their_ranges(preset, today, start, end):
    day = dt.date.fromisoformat
    assert preset_range(preset, day(today)) == (day(start), day(end))


def test_a_range_names_its_preset_only_when_it_is_exactly_that():
    today = dt.date(2026, 3, 15)
    assert matching_preset(dt.date(2026, 3, 9), today, today) == "7d"
    assert matching_preset(dt.date(2026, 2, 1), dt.date(2026, 2, 28), today) == "last_month"
    assert matching_preset(dt.date(2026, 3, 8), today, today) == ""


def test_unknown_preset_is_refused():
    with pytest.raises(ValueError):
        preset_range("fortnight", dt.date(2026, 3, 15))


def test_a_preset_link_fills_from_and_to_with_its_range(client, staff, monkeypatch):
    _freeze(monkeypatch, dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC))
    client.force_login(staff.user)
    page = client.get("/staff/spend/?preset=last_month").content.decode()
    today = hub_day(timezone.now())
    first, last = preset_range("last_month", today)
    assert f'name="start" value="{first.isoformat()}"' in page
    assert f'name="end" value="{last.isoformat()}"' in page
    assert 'data-preset="last_month" aria-current="true"' in page


def test_the_preset_clicked_is_marked_even_when_another_has_the_same_days(client, staff, monkeypatch):
    _freeze(monkeypatch, dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC))  # this month is the last 7 days
    client.force_login(staff.user)
    page = client.get("/staff/spend/?preset=this_month").content.decode()
    assert 'data-preset="this_month" aria-current="true"' in page
    assert 'data-preset="7d" aria-current' not in page


def test_the_default_range_shows_in_from_and_to_instead_of_blanks(client, staff, monkeypatch):
    _freeze(monkeypatch, dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC))
    client.force_login(staff.user)
    for url in ("/staff/spend/", "/staff/spend/records/"):
        page = client.get(url).content.decode()
        start, end = preset_range("30d", hub_day(timezone.now()))
        assert f'name="start" value="{start.isoformat()}"' in page
        assert f'name="end" value="{end.isoformat()}"' in page
        assert 'data-preset="30d" aria-current="true"' in page


def test_a_garbage_preset_is_ignored_not_a_500(client, staff):
    client.force_login(staff.user)
    assert client.get("/staff/spend/?preset=%27%3Bdrop").status_code == 200
    assert client.get("/staff/spend/records/?preset=x&sort=nonsense&top=7").status_code == 200


# --- the previous period


def test_the_previous_period_is_as_long_and_just_before():
    spend = SpendFilter(dt.date(2026, 3, 9), dt.date(2026, 3, 15), team_id=3)
    previous = previous_period(spend)
    assert (previous.start, previous.end, previous.team_id) == (dt.date(2026, 3, 2), dt.date(2026, 3, 8), 3)


def test_previous_period_numbers_are_exact(alice, bob, spend, client, staff):
    spend(alice, "0.10000001")
    spend(bob, "0.20000002")
    old = spend(alice, "0.1")
    too_old = spend(alice, "5")
    _backdate(old, 8)  # inside the previous 7 days
    _backdate(too_old, 15)  # before both periods
    rebuild_rollups()
    week = SpendFilter.last_days(7)
    comparison = compare_with_previous(week, spend_totals(week))
    assert (comparison.spend.now, comparison.spend.before) == (Decimal("0.30000003"), Decimal("0.1"))
    assert comparison.spend.percent == Decimal("200.0")
    assert (comparison.requests.now, comparison.requests.before) == (2, 1)
    assert comparison.requests.percent == Decimal(100)
    assert comparison.average_cost.now == Decimal("0.15000002")  # 0.150000015 rounded half up to 8 places
    assert comparison.average_cost.before == Decimal("0.1")
    assert comparison.average_cost.percent == Decimal("50.0")
    client.force_login(staff.user)
    page = client.get("/staff/spend/?preset=7d").content.decode()
    row = page[page.index('data-figure="spend"') :]
    assert 'data-percent="200.0">+200.0%' in row[: row.index("</tr>")]


def test_no_previous_spend_reads_as_new_not_a_percentage(alice, spend):
    spend(alice, "1")
    week = SpendFilter.last_days(7)
    comparison = compare_with_previous(week, spend_totals(week))
    assert comparison.spend.before == 0 and comparison.spend.percent is None


# --- sorting and top-N


def _ids_on(page: str) -> list[str]:
    return REQUEST_LINK.findall(page)


def test_priciest_20_lists_exactly_the_20_costliest_in_order(alice, bob, charlie, spend, client, staff):
    costs = [f"0.{n:02d}000001" for n in range(1, 26)]
    records = {cost: spend((alice, bob, charlie)[n % 3], cost).request_id for n, cost in enumerate(costs)}
    old = spend(alice, "9")  # the priciest of all, but outside the range
    _backdate(old, 40)
    rebuild_rollups()
    client.force_login(staff.user)
    page = client.get("/staff/spend/records/?preset=7d&sort=cost&top=20").content.decode()
    expected = [records[cost] for cost in sorted(costs, key=Decimal, reverse=True)[:20]]
    assert _ids_on(page) == expected
    assert 'rel="next"' not in page  # a top-N list has no pager


def test_cheapest_tokens_latency_and_oldest_orders(alice, spend):
    a = spend(alice, "0.3", prompt_tokens=10, completion_tokens=5, latency_ms=900)
    b = spend(alice, "0.1", prompt_tokens=1000, completion_tokens=1, latency_ms=100)
    c = spend(alice, "0.2", prompt_tokens=200, completion_tokens=300, latency_ms=5000)
    week = SpendFilter.last_days(7)

    def order(name: str) -> list[int]:
        return [r.pk for r in sorted_records(week, name)]

    assert order("cost") == [a.pk, c.pk, b.pk]
    assert order("cheapest") == [b.pk, c.pk, a.pk]
    assert order("tokens") == [b.pk, c.pk, a.pk]
    assert order("latency") == [c.pk, a.pk, b.pk]
    assert order("oldest") == [a.pk, b.pk, c.pk]
    assert order("newest") == order("bogus") == [c.pk, b.pk, a.pk]


def test_a_big_range_sorted_by_cost_gives_the_same_order_through_the_index(alice, bob, spend):
    records = [spend((alice, bob)[n % 2], f"0.{n:02d}") for n in range(1, 12)]
    old = spend(alice, "9")
    _backdate(old, 40)
    week = SpendFilter.last_days(7)
    expected = [r.pk for r in sorted(records, key=lambda r: r.cost, reverse=True)]
    assert [r.pk for r in sorted_records(week, "cost", matching=10**6)] == expected
    assert [r.pk for r in sorted_records(week, "cheapest", matching=10**6)] == expected[::-1]


def test_sorting_a_big_range_by_cost_walks_the_cost_index(alice, spend):
    spend(alice, "1")
    query = sorted_records(SpendFilter.last_days(30), "cost", matching=10**6)[:20].query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row) for row in cursor.fetchall())
        else:  # a handful of rows: PostgreSQL would rightly scan them; forbid that to see the index serve the order
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
    assert "usage_cost_created_idx" in plan
    # No sort of the range: at most PostgreSQL's incremental sort of equal (cost, created_at) pairs by id.
    assert "TEMP B-TREE" not in plan and re.search(r"(?<!Incremental )Sort  \(", plan) is None


# --- request-id search


def test_request_id_search_jumps_to_the_request(alice, spend, client, staff):
    record = spend(alice, "0.5")
    client.force_login(staff.user)
    response = client.get("/staff/spend/find/", {"request_id": f"  {record.request_id} "})
    assert response.status_code == 302 and response["Location"] == f"/requests/{record.request_id}/"


def test_request_id_search_is_exact(alice, spend, client, staff):
    record = spend(alice, "0.5")
    client.force_login(staff.user)
    response = client.get("/staff/spend/find/", {"request_id": record.request_id[:-3]}, follow=True)
    assert response.redirect_chain[-1][0] == "/staff/spend/"
    assert f"No request has the id “{record.request_id[:-3]}”." in response.content.decode()


@pytest.mark.parametrize(
    "typed", ["nope", "x" * 10_000, "<script>alert(1)</script>", "'; DROP TABLE billing_usagerecord; --", "请求", ""]
)
def test_request_id_search_without_a_match_says_so(typed, client, staff):
    client.force_login(staff.user)
    response = client.get("/staff/spend/find/", {"request_id": typed, "back": "records"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and response.redirect_chain[-1][0] == "/staff/spend/records/"
    assert ("No request has the id" if typed else "Type a request id") in page
    assert "<script>alert(1)" not in page


def test_request_id_search_with_a_nul_is_a_400(client, staff):
    client.force_login(staff.user)
    assert client.get("/staff/spend/find/", {"request_id": "req-\x00"}).status_code == 400


# --- the trend stacked by model


def test_the_stacked_trend_is_top_five_models_plus_other_and_adds_up(alice, bob, spend):
    models = {"m1": "6", "m2": "5", "m3": "4", "m4": "3", "m5": "2", "m6": "1.00000001", "m7": "0.5"}
    for n, (model, cost) in enumerate(models.items()):
        record = spend((alice, bob)[n % 2], cost, model=model)
        _backdate(record, n % 3)
        spend(alice, "0.00000003", model=model)
    rebuild_rollups()
    week = SpendFilter.last_days(7)
    stacked = daily_spend_by_model(week)
    assert stacked.series == ["m1", "m2", "m3", "m4", "m5", OTHER_MODELS]
    per_day = dict(daily_spend(week))
    assert [day for day, _parts in stacked.days] == list(per_day)
    for day, parts in stacked.days:
        assert sum(parts.values()) == per_day[day]
    assert sum(sum(parts.values()) for _day, parts in stacked.days) == spend_totals(week).cost
    other = sum(parts[OTHER_MODELS] for _day, parts in stacked.days)
    assert other == Decimal("1.00000001") + Decimal("0.5") + 2 * Decimal("0.00000003")


def test_the_spend_review_draws_the_stacked_trend_with_a_table(alice, spend, client, staff):
    spend(alice, "0.25", model="gpt-4o")
    spend(alice, "0.75", model="claude-sonnet-4")
    client.force_login(staff.user)
    page = client.get("/staff/spend/").content.decode()
    assert "Spend per day by model" in page
    assert page.count('class="seg-0"') == 2 and page.count('class="seg-1"') == 2  # wide and phone drawings
    assert '<th scope="col" class="num">claude-sonnet-4</th>' in page  # the table's column, for screen readers
    assert 'href="/staff/spend/records/?preset=7d&amp;sort=cost&amp;top=20"' in page  # last week's, one click
    assert 'href="/staff/spend/records/?sort=cost&amp;top=20"' in page  # the range shown


def test_an_empty_period_has_empty_states(client, staff):
    client.force_login(staff.user)
    page = client.get("/staff/spend/?preset=today").content.decode()
    assert "No usage matches these filters." in page
    assert "Priciest 20 requests" not in page
    records = client.get("/staff/spend/records/?preset=today&sort=cost&top=20").content.decode()
    assert "No usage records match these filters." in records


def test_the_pages_speak_chinese(alice, spend, client, staff):
    spend(alice, "0.25")
    client.force_login(staff.user)
    page = client.get("/staff/spend/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "与上一时段相比" in page and "最近 7 天" in page and "本月" in page
    records = client.get("/staff/spend/records/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "排序" in records


# --- access


@pytest.mark.parametrize(
    "url", ["/staff/spend/?preset=7d", "/staff/spend/records/?sort=cost&top=20", "/staff/spend/find/?request_id=x"]
)
def test_members_and_leads_are_refused(url, client, alice, bob):
    for person in (alice, bob):  # alice leads her team; neither is staff
        client.force_login(person.user)
        assert client.get(url).status_code == 403
