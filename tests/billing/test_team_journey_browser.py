"""Issue 22's people end to end in Chromium, in English and in Chinese, one browser context per person: a staff
admin invites a lead and lets leads approve credit requests; the lead joins from the emailed link, invites a
member and caps them; the member joins, signs in, chats until the team's credits run out, reads the plain-words
refusal, asks for credits from its button; the lead approves; the member chats on; the audit log shows it all."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from billing.audit_log import ACTIONS
from billing.ledger import grant_credits
from billing.models import Budget, CreditRequest, Membership, Team
from tests.fake_upstream import Reply
from tests.page_words import LOCALES, words

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "plum-orchard-7-lantern"


def emailed_link(to: str) -> str:
    sent = [message for message in mail.outbox if to in message.to]
    assert sent, f"nothing was emailed to {to}"
    return re.search(r"https?://\S+", str(sent[-1].body)).group(0)


def join(page: Any, link: str, username: str, t: Callable[[str], str]) -> None:
    """The invitee opens the link, picks a username and password, and lands signed in."""
    page.goto(link)
    page.locator("#id_username").fill(username)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name=t("Join and sign in")).click()
    page.wait_for_url(lambda url: "/join/" not in url)


def send(page: Any, text: str) -> Any:
    """Send a chat message; the answer's article once it has settled (answered or refused)."""
    page.locator("#message").fill(text)
    page.locator("#message").press("Enter")
    answer = page.locator("article.msg-assistant").last
    expect(answer).to_have_attribute("data-status", re.compile("done|error"), timeout=10000)
    return answer


@pytest.fixture(autouse=True)
def _quick_passwords(settings: Any) -> None:
    """People join and sign in eight times here: PBKDF2 takes about a second a hash on a busy machine."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture
def northwind(db: Any) -> Team:
    """A team with no people yet and one cent of credit: about one short answer."""
    team = Team.objects.create(slug="northwind", name="Northwind")
    grant_credits(team=team, amount=Decimal("0.01"), memo="trial")
    return team


@pytest.mark.parametrize("locale", LOCALES)
def test_staff_lead_and_member_each_do_their_part(
    request, locale, browser, page_for, live_hub, settings, staff, northwind, upstream
):
    settings.SITE_URL = live_hub.url
    t = words(locale)

    def context() -> Any:
        opened = browser.new_context(base_url=live_hub.url, locale=locale, viewport={"width": 1280, "height": 800})
        request.addfinalizer(opened.close)
        return opened

    # Staff: invite the lead from People, and let the team's leads approve up to $50 a request.
    admin = page_for(staff, locale=locale)
    admin.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("People"), exact=True).click()
    admin.wait_for_url("**/staff/people/")
    invite = admin.locator("form[aria-labelledby='invite-title']")
    invite.get_by_label(t("Email")).fill("lena@example.org")
    invite.get_by_label(t("Team"), exact=True).select_option(label="Northwind")
    invite.get_by_label(t("Role"), exact=True).select_option("admin")
    invite.get_by_role("button", name=t("Invite")).click()
    expect(admin.locator("table.invitations")).to_contain_text("lena@example.org")
    admin.goto("/teams/northwind/credits/")
    allowance = admin.locator("form.allowance-form")
    allowance.get_by_label(t("Per request (USD)")).fill("50")
    allowance.get_by_role("button", name=t("Save allowance")).click()
    expect(admin.locator("#allowance-help")).to_contain_text("$50.00")

    # The lead joins from the emailed link, invites a member, then caps them once they have joined.
    lead = context().new_page()
    join(lead, emailed_link("lena@example.org"), "lena", t)
    lead.get_by_role("navigation", name=t("Main")).get_by_role("link", name=t("People"), exact=True).click()
    lead.wait_for_url("**/teams/northwind/people/")
    invite = lead.locator("form[aria-labelledby='invite-title']")
    invite.get_by_label(t("Email")).fill("mo@example.org")
    invite.get_by_label(t("Role"), exact=True).select_option("member")
    invite.get_by_role("button", name=t("Invite")).click()
    expect(lead.locator("table.invitations")).to_contain_text("mo@example.org")

    member = context().new_page()
    join(member, emailed_link("mo@example.org"), "mo", t)
    member.context.clear_cookies()  # and signs in again with the password they chose
    member.goto("/accounts/login/")
    member.locator("#id_username").fill("mo")
    member.locator("#id_password").fill(PASSWORD)
    member.locator("#id_password").press("Enter")
    member.wait_for_url(lambda url: "/accounts/login/" not in url)

    lead.goto("/teams/northwind/credits/")
    cap = lead.locator("form[aria-labelledby='new-budget-title']")
    cap.get_by_label(t("Applies to")).select_option(label="mo")
    cap.get_by_label(t("Period")).select_option("monthly")
    cap.get_by_label(t("Limit (USD)")).fill("5")
    cap.get_by_role("button", name=t("Add limit")).click()
    lead.wait_for_url("**/teams/northwind/credits/")
    assert Budget.objects.get(team=northwind, user__username="mo").amount == Decimal("5")

    # The member chats: the first answer takes the team's last cent (its usage is cut to what was held) ...
    member.goto("/")
    member.locator("#model").select_option("gpt-4o")
    upstream.script("gpt-4o", Reply(text="Here is a long answer.", completion_tokens=100_000))
    expect(send(member, "Tell me everything")).to_contain_text("Here is a long answer.")
    # ... so the next one is refused in plain words, with a button that asks for credits.
    refusal = send(member, "And more").locator(".refusal")
    expect(refusal).to_contain_text("Northwind")
    expect(refusal).not_to_contain_text("max_tokens")
    conversation = member.url
    refusal.get_by_role("link", name=t("Ask for credits")).click()
    member.wait_for_url("**/teams/northwind/credits/ask/?amount=*")
    expect(member.locator("#id_amount")).to_have_value("5.00")  # prefilled from the refusal
    member.locator("#id_reason").fill("Finishing the quarterly report")
    member.get_by_role("button", name=t("Request credits")).click()
    expect(member.locator(".credit-requests")).to_contain_text("Finishing the quarterly report")

    # The lead decides it on the team page (within the allowance staff set).
    lead.goto("/teams/northwind/credits/")
    row = lead.get_by_role("row").filter(has_text="Finishing the quarterly report")
    row.get_by_role("button", name=t("Approve")).click()
    expect(lead.locator(".flash")).to_contain_text("$5.00")
    assert CreditRequest.objects.get(team=northwind).state == CreditRequest.APPROVED

    # The member goes on where they stopped.
    member.goto(conversation)
    expect(send(member, "Go on")).to_contain_text("Hello from fake gpt-4o.")

    # Staff read each of those actions in the audit log, by whom.
    admin.goto("/audit/")
    log = admin.locator("table.audit-log tbody tr")
    for actor, action in [
        ("root", "invitation.create"),
        ("root", "lead_allowance.change"),
        ("lena", "invitation.accept"),
        ("lena", "invitation.create"),
        ("mo", "invitation.accept"),
        ("lena", "budget.create"),
        ("lena", "credit_request.approve"),
    ]:
        label = t(str(ACTIONS[action]))
        expect(
            log.filter(has_text=label).filter(has=admin.get_by_role("cell", name=actor, exact=True))
        ).not_to_have_count(0)
    assert Membership.objects.get(team=northwind, user__username="lena").role == Membership.ADMIN
    assert Membership.objects.get(team=northwind, user__username="mo").role == Membership.MEMBER
