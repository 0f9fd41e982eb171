"""In Chromium: a lead invites someone by email from the team's People page (by keyboard), the invitee opens
the emailed link, chooses a username and password, and lands signed in, a member of the team; the used link
then shows a human 410 page. Also the page in Chinese on a phone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from billing.models import AuditEntry, Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_a_lead_invites_and_the_invitee_joins_signed_in(page_for, browser, live_hub, settings, alice, bob, acme):
    settings.SITE_URL = live_hub.url
    page = page_for(alice)
    page.goto("/usage/")
    page.get_by_role("link", name="People", exact=True).click()
    page.wait_for_url("**/teams/acme/people/")
    expect(page.get_by_role("row").filter(has_text="bob")).to_be_visible()
    page.get_by_role("textbox", name="Email").fill("dora@example.org")
    page.get_by_role("combobox", name="Role", exact=True).select_option("member")
    page.get_by_role("textbox", name="Email").press("Enter")  # submits the invite form from the keyboard
    expect(page.locator(".flash")).to_contain_text("Invitation sent to dora@example.org.")
    expect(page.locator("table.invitations")).to_contain_text("dora@example.org")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "team-people.png"), full_page=True)

    link = re.search(r"https?://\S+", str(mail.outbox[-1].body)).group(0)
    assert link.startswith(live_hub.url + "/join/")
    invitee = browser.new_context(base_url=live_hub.url).new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Join Acme")
    invitee.get_by_label("Username").fill("dora")
    invitee.get_by_label("Password", exact=True).fill("plum-orchard-7-lantern")
    invitee.get_by_label("Password again").fill("plum-orchard-7-lantern")
    invitee.get_by_role("button", name="Join and sign in").click()
    invitee.wait_for_url(lambda url: "/join/" not in url)
    invitee.goto("/usage/")
    assert "/accounts/login/" not in invitee.url  # signed in
    assert Membership.objects.get(user__username="dora", team=acme).role == "member"
    assert AuditEntry.objects.filter(action="invitation.accept", actor__username="dora").exists()

    gone = invitee.goto(link)
    assert gone.status == 410
    expect(invitee.get_by_role("heading", level=1)).to_have_text("This invitation link does not work")
    invitee.context.close()


def test_the_team_people_page_in_chinese_on_a_phone(page_for, alice, bob):
    page = page_for(alice, locale="zh-CN", width=390, height=844)
    page.goto("/teams/acme/people/")
    expect(page.locator("#invite-title")).to_have_text("通过电子邮件邀请")
    expect(page.locator("#invitations-title")).to_have_text("待接受的邀请")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    page.get_by_role("combobox", name="bob 的角色").select_option("admin")
    page.get_by_role("row").filter(has_text="bob").get_by_role("button", name="更改角色").click()
    expect(page.locator(".flash")).to_contain_text("bob 现在是：团队管理员。")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "team-people-zh-phone.png"), full_page=True)


def test_staff_switch_someone_off_from_the_people_page(page_for, staff, alice, bob):
    page = page_for(staff)
    page.goto("/staff/people/")
    page.get_by_role("textbox", name="Name or email").fill("bob")
    page.get_by_role("textbox", name="Name or email").press("Enter")
    page.wait_for_url("**/staff/people/?q=bob**")
    expect(page.locator("table.people tbody tr")).to_have_count(1)
    button = page.get_by_role("button", name="Switch off bob")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("bob is switched off.")
    assert "q=bob" in page.url  # back to the same filtered list
    expect(page.get_by_role("button", name="Switch bob on again")).to_be_visible()
    bob.user.refresh_from_db()
    assert not bob.user.is_active
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "staff-people.png"), full_page=True)
