"""The audit log in Chromium: a team admin sets a member's cap and finds it in the log from the nav, with
before → after; staff filter the log by action; the page in Chinese at phone width does not scroll sideways."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _set_cap(page, amount: str) -> None:
    page.goto("/teams/acme/credits/")
    new = page.locator("form[aria-labelledby='new-budget-title']")
    new.get_by_label("Applies to").select_option(label="bob")
    new.get_by_label("Period").select_option("monthly")
    new.get_by_label("Limit (USD)").fill(amount)
    new.get_by_role("button", name="Add limit").click()
    page.wait_for_url("**/teams/acme/credits/")


def test_a_lead_finds_the_cap_they_set_in_the_audit_log(page_for, alice, bob):
    page = page_for(alice)
    _set_cap(page, "5")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/audit/")
    row = page.get_by_role("row").filter(has_text="Budget or cap set")
    expect(row).to_contain_text("alice")
    expect(row).to_contain_text("Member cap: bob")
    expect(row).to_contain_text("Amount: – → 5.00")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "audit-log-lead.png"), full_page=True)


def test_staff_filter_the_log_by_action(page_for, alice, bob, staff):
    _set_cap(page_for(alice), "5")
    page = page_for(staff)
    page.goto("/audit/")
    page.get_by_label("Action").select_option(label="Budget or cap set")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/audit/?*action=budget.create*")
    rows = page.locator("table.audit-log tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Acme")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export these entries (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("at_utc,actor,team,action") and "budget.create" in text


def test_the_log_in_chinese_at_phone_width(page_for, alice, bob):
    _set_cap(page_for(alice), "5")
    page = page_for(alice, width=390, height=844, locale="zh-CN")
    page.goto("/audit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("审计日志")
    expect(page.get_by_role("row").filter(has_text="设置了预算或上限")).to_contain_text("金额")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    change = page.locator("table.audit-log ul.changes").first.bounding_box()  # a card per entry: all of it shows
    assert change is not None and change["x"] + change["width"] <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "audit-log-lead-zh-phone.png"), full_page=True)
