"""Issue 12 in Chromium: a team admin caps a member and the member's next chat message is refused naming
the cap; a member's credit request approved by staff raises the balance; the chat's cost line opens the
request page."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from billing.models import Budget, CreditRequest, Team
from tests.fake_upstream import Reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _send(page, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def test_a_member_cap_set_on_the_team_page_refuses_the_members_next_chat_message(page_for, alice, bob, upstream):
    upstream.script("gpt-4o", Reply(text="never sent"))
    admin = page_for(alice)
    admin.goto("/teams/acme/credits/")
    new = admin.locator("form[aria-labelledby='new-budget-title']")
    new.get_by_label("Applies to").select_option(label="bob")
    new.get_by_label("Period").select_option("monthly")
    new.get_by_label("Limit (USD)").fill("0.01")
    new.get_by_role("button", name="Add limit").click()
    admin.wait_for_url("**/teams/acme/credits/")
    expect(admin.locator(".flash")).to_contain_text("bob's monthly cap of $0.01 on team acme")
    assert Budget.objects.get(user=bob.user).amount == Decimal("0.01")
    ARTIFACTS.mkdir(exist_ok=True)
    admin.screenshot(path=str(ARTIFACTS / "team-page-money-controls.png"), full_page=True)

    member = page_for(bob)
    member.locator("#model").select_option("gpt-4o")
    _send(member, "Hello")
    error = member.locator("article.msg-assistant").last.locator(".msg-error")
    # The member reads plain words: the team's name (not its slug) and when the cap starts again.
    expect(error).to_contain_text("Your monthly limit on Acme is $0.01.", timeout=10000)
    expect(error).to_contain_text("It starts again on")
    expect(error).to_contain_text("To raise it, ask alice.")
    assert "out of credits" not in error.inner_text()
    member.screenshot(path=str(ARTIFACTS / "chat-refused-by-member-cap.png"))


def test_a_members_credit_request_approved_by_staff_raises_the_balance(page_for, bob, staff, acme):
    member = page_for(bob)
    member.goto("/teams/acme/credits/ask/")
    member.get_by_label("Amount (USD)").fill("42.50")
    member.get_by_label("Reason").fill("Hackathon on Friday")
    member.get_by_role("button", name="Request credits").click()
    expect(member.locator(".flash")).to_contain_text("You asked for $42.50 for Acme")
    expect(member.locator(".credit-requests")).to_contain_text("open")
    before = Team.objects.get(pk=acme.pk).balance

    admin = page_for(staff)
    admin.goto("/staff/credit-requests/")
    row = admin.get_by_role("row").filter(has_text="Hackathon on Friday")
    row.get_by_label("Note to the team").fill("Have fun")
    row.get_by_role("button", name="Approve").click()
    expect(admin.locator(".flash")).to_contain_text("Approved: $42.50 granted to Acme.")
    assert Team.objects.get(pk=acme.pk).balance == before + Decimal("42.50")
    assert CreditRequest.objects.get().state == CreditRequest.APPROVED

    member.reload()
    expect(member.locator(".credit-requests")).to_contain_text("approved")
    expect(member.locator(".credit-requests")).to_contain_text("Have fun")
    admin.goto("/teams/acme/credits/")
    expect(admin.locator("dl.stats").first).to_contain_text("$142.50")


def test_the_chats_cost_line_opens_the_request_page(page_for, alice, upstream):
    upstream.script("gpt-4o", Reply(text="The answer is 4.", prompt_tokens=12, completion_tokens=5))
    page = page_for(alice)
    page.locator("#model").select_option("gpt-4o")
    _send(page, "What is 2+2?")
    answer = page.locator("article.msg-assistant").last
    expect(answer).to_have_attribute("data-status", "done", timeout=10000)
    answer.locator("a.msg-cost").click()
    page.wait_for_url("**/requests/**")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Request")
    body = page.locator("main").inner_text()
    assert "gpt-4o" in body and "Attempts" in body and "Time to first token" in body
    page.go_back()
    page.reload()  # the server-rendered message links there too
    expect(page.locator("article.msg-assistant").last.locator("a.msg-cost")).to_have_attribute(
        "href", re.compile(r"^/requests/.+/$")
    )


def test_switching_the_team_billed_names_that_team_in_the_sidebar(page_for, bob, globex):
    from billing.models import Membership

    Membership.objects.create(user=bob.user, team=globex)
    page = page_for(bob)
    page.get_by_text("Settings", exact=True).click()
    credits = page.locator(".credits")
    expect(credits).to_contain_text("Acme")
    expect(credits).to_contain_text("$100.00")  # cents above a dollar, not $100.0000
    page.get_by_label("Team billed").select_option(label="Globex")
    expect(credits).to_contain_text("Globex")
    expect(credits).to_contain_text("$50.00")
