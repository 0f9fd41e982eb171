"""In Chromium: a team lead opens a member's page from the team page by keyboard (in English and in Chinese),
sees the member's spend, keys and refusals, then approves the member's credit request within the allowance."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from billing.credit_requests import credit_request_open
from billing.lead_allowance import allowance_set
from billing.models import CreditRequest, HubKey, Team
from billing.refusals import record_refusal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _refuse(person) -> None:
    key = HubKey.objects.get(user=person.user)
    record_refusal(
        team_id=key.team_id, user_id=person.user.pk, key_id=key.pk, status=402, code="budget_exceeded",
        message="bob's monthly cap of $0.01 on team acme is spent", model="gpt-4o",
    )  # fmt: skip


def test_a_lead_opens_a_members_page_from_the_team_page(page_for, alice, bob, spend):
    spend(bob, "0.75", model="gpt-4o")
    _refuse(bob)
    page = page_for(alice)
    page.goto("/teams/acme/credits/")
    link = page.get_by_role("link", name="bob", exact=True).first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/teams/acme/members/{bob.user.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("bob")
    expect(page.locator("dl.stats").first).to_contain_text("$0.75")
    expect(page.locator("figure.chart").first).to_be_visible()
    key = HubKey.objects.get(user=bob.user)
    expect(page.locator("#member-keys-title + .table-wrap")).to_contain_text(f"{key.prefix}…")
    expect(page.locator(".refusal-list")).to_contain_text("monthly cap of $0.01 on team acme is spent")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "lead-member-page.png"), full_page=True)

    page.get_by_role("link", name="See every request").click()
    page.wait_for_url("**/teams/acme/requests/**")
    expect(page.locator("table.records")).to_contain_text("gpt-4o")


def test_a_lead_reads_the_member_page_in_chinese(page_for, alice, bob, spend):
    spend(bob, "0.75", model="gpt-4o")
    page = page_for(alice, locale="zh-CN", width=390, height=844)
    page.goto("/teams/acme/credits/")
    page.get_by_role("link", name="bob", exact=True).first.click()
    page.wait_for_url(f"**/teams/acme/members/{bob.user.pk}/")
    expect(page.locator("#models-title")).to_have_text("使用的模型")
    expect(page.locator("#member-refusals-title")).to_have_text("被拒绝的请求")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "lead-member-page-zh-phone.png"), full_page=True)
    page.goto("/teams/acme/requests/?status=refused")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto("/teams/acme/requests/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    cost = page.locator("table.records tbody tr").first.locator("td.num").filter(has_text="$").first
    box = cost.bounding_box()  # the cost is on screen, not behind a sideways scroll of the table
    assert box is not None and box["x"] + box["width"] <= 390
    page.screenshot(path=str(ARTIFACTS / "lead-team-requests-zh-phone.png"), full_page=True)


def test_a_lead_approves_a_members_request_on_the_team_page(page_for, alice, bob, staff, acme):
    allowance_set(team=acme, per_request=Decimal("50"), per_month=None, by=staff.user)
    credit_request_open(team=acme, by=bob.user, amount=Decimal("30"), reason="Hackathon on Friday")
    page = page_for(alice)
    page.goto("/teams/acme/credits/")
    row = page.get_by_role("row").filter(has_text="Hackathon on Friday").first
    row.get_by_label("Note to the team").fill("Have fun")
    row.get_by_role("button", name="Approve").click()
    expect(page.locator(".flash")).to_contain_text("Approved: $30.00 granted to Acme.")
    assert CreditRequest.objects.get().state == CreditRequest.APPROVED
    assert Team.objects.get(pk=acme.pk).balance == Decimal("130")
    page.screenshot(path=str(ARTIFACTS / "lead-approves-credit-request.png"), full_page=True)
