"""In Chromium: staff find last week's priciest request from spend review in one click (or a preset, then
"Priciest 20"), sort the record list by cost from its column, find a request by its id, and read the page in
Chinese on a phone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import UsageRecord
from billing.rollups import rebuild_rollups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_staff_find_last_weeks_priciest_request(page_for, staff, alice, bob, charlie, spend):
    cheap = spend(alice, "0.25", model="gpt-4o-mini")
    priciest = spend(bob, "4.5", model="claude-sonnet-4")
    spend(charlie, "1.75", model="gpt-4o")
    older = spend(alice, "99", model="gpt-4o")  # pricier still, but three weeks ago
    UsageRecord.objects.filter(pk=older.pk).update(created_at=timezone.now() - dt.timedelta(days=21))
    rebuild_rollups()
    page = page_for(staff)
    page.goto("/staff/spend/")
    page.get_by_role("link", name="Priciest requests of the last 7 days").click()  # one click
    page.wait_for_url("**/staff/spend/records/?*sort=cost*")
    expect(page.locator("table.records tbody tr")).to_have_count(3)  # the 21-day-old one is outside the week
    expect(page.locator("table.records tbody tr").first).to_contain_text("$4.50")
    link = page.locator("table.records tbody tr").first.get_by_role("link").first
    expect(link).to_have_attribute("href", f"/requests/{priciest.request_id}/")

    page.goto("/staff/spend/")
    expect(page.locator("#id_start")).not_to_have_value("")  # the default range is shown, not blanks
    page.get_by_role("link", name="Last 7 days", exact=True).click()
    page.wait_for_url("**preset=7d**")
    expect(page.get_by_role("link", name="Last 7 days", exact=True)).to_have_attribute("aria-current", "true")
    expect(page.locator("#period-comparison")).to_contain_text("Average cost per request")
    expect(page.locator("figure.chart-stacked")).to_contain_text("Spend per day by model")
    page.get_by_role("link", name="Priciest 20 requests").click()
    page.wait_for_url("**sort=cost**")
    first_row = page.locator("table.records tbody tr").first
    expect(first_row).to_contain_text("$4.50")
    expect(page.locator("table.records tbody tr")).to_have_count(3)  # the 21-day-old one is outside the week

    page.locator("table.records thead").get_by_role("link", name="When").click()
    page.wait_for_url("**sort=newest**")
    page.locator("table.records thead").get_by_role("link", name="Cost").click()
    page.wait_for_url("**sort=cost**")
    expect(page.locator("table.records tbody tr").first).to_contain_text("$4.50")
    expect(page.locator("table.records tbody tr").last).to_contain_text("$0.25")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "staff-priciest-requests.png"), full_page=True)

    first_row.get_by_role("link").first.click()
    page.wait_for_url(f"**/requests/{priciest.request_id}/")

    page.goto("/staff/spend/")
    page.get_by_label("Request id").fill(cheap.request_id)
    page.get_by_role("button", name="Go to request").click()
    page.wait_for_url(f"**/requests/{cheap.request_id}/")
    page.goto("/staff/spend/")
    page.get_by_label("Request id").fill("req-does-not-exist")
    page.get_by_role("button", name="Go to request").click()
    expect(page.get_by_role("status")).to_contain_text("No request has the id “req-does-not-exist”.")


def test_staff_read_spend_review_in_chinese_on_a_phone(page_for, staff, alice, spend):
    spend(alice, "0.5", model="gpt-4o")
    page = page_for(staff, locale="zh-CN", width=390, height=844)
    page.goto("/staff/spend/")
    page.get_by_role("link", name="最近 7 天最贵的请求").click()
    expect(page.locator("table.records tbody tr").first).to_contain_text("$0.50")
    page.goto("/staff/spend/")
    page.get_by_role("link", name="本月").click()
    page.wait_for_url("**preset=this_month**")
    expect(page.locator("#period-comparison")).to_contain_text("每个请求的平均费用")
    expect(page.locator("figure.chart-stacked figcaption")).to_have_text("按模型的每日支出")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "staff-spend-review-zh-phone.png"), full_page=True)
    page.locator("figure.chart-stacked").screenshot(path=str(ARTIFACTS / "staff-trend-by-model-phone.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
