"""Single sign-on in Chromium against a real OpenID provider on loopback: a person clicks "Sign in with Example
ID", signs in on the provider's own page, comes back signed in, lands in the team their group maps to with the
mapped role, and finds it in the audit log. Again in Simplified Chinese, and a person with no mapped group gets
a human page in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from billing.models import Membership, SsoIdentity
from tests.billing.oidc_provider import ACCOUNTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _signed_out_page(browser, live_hub, locale="en-US", width=1280, height=800):
    context = browser.new_context(base_url=live_hub.url, locale=locale, viewport={"width": width, "height": height})
    return context.new_page()


def _at_the_provider(page, sso, login: str) -> None:
    page.wait_for_url(sso.issuer + "/interaction/**")
    page.get_by_label("Username").fill(login)
    page.get_by_label("Password").fill(ACCOUNTS[login]["password"])
    page.get_by_role("button", name="Sign in").click()


def test_a_person_signs_in_with_sso_and_lands_in_the_mapped_team(browser, live_hub, sso, page_for, alice, acme):
    page = _signed_out_page(browser, live_hub)
    page.goto("/usage/")  # signed out: the sign-in page, which offers the provider
    page.get_by_role("link", name="Sign in with Example ID").click()
    _at_the_provider(page, sso, "dora")
    page.wait_for_url(re.compile(re.escape(live_hub.url) + r"/usage/"))  # back where they were going, signed in
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    dora = SsoIdentity.objects.get(subject="dora").user
    assert Membership.objects.get(user=dora, team=acme).role == "admin"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/audit/")
    joined = page.get_by_role("row").filter(has_text="Member added").filter(has_text="dora")
    expect(joined).to_contain_text("Team admin")
    expect(joined).to_contain_text("Single sign-on groups")
    expect(joined).to_contain_text("eng-leads")
    expect(page.get_by_role("row").filter(has_text="Person created").filter(has_text="dora")).to_contain_text(
        "Example ID"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sso-audit-log.png"), full_page=True)
    page.context.close()


def test_sso_in_chinese_on_a_phone_and_a_human_refusal(browser, live_hub, sso, page_for, alice, acme):
    page = _signed_out_page(browser, live_hub, locale="zh-CN", width=390, height=844)
    page.goto("/accounts/login/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sso-sign-in-zh-phone.png"), full_page=True)
    page.get_by_role("link", name="使用 Example ID 登录").click()
    _at_the_provider(page, sso, "wei")
    page.wait_for_url(re.compile(re.escape(live_hub.url) + r"/"))
    wei = SsoIdentity.objects.get(subject="wei").user
    assert Membership.objects.get(user=wei, team=acme).role == "member"
    page.context.close()

    lead = page_for(alice, locale="zh-CN")
    lead.goto("/audit/")
    row = lead.get_by_role("row").filter(has_text="添加了成员").filter(has_text="wei")
    expect(row).to_contain_text("单点登录用户组")
    expect(row).to_contain_text("eng")

    refused = _signed_out_page(browser, live_hub, locale="zh-CN")
    refused.goto("/accounts/login/")
    refused.get_by_role("link", name="使用 Example ID 登录").click()
    _at_the_provider(refused, sso, "mallory")
    expect(refused.get_by_role("heading", level=1)).to_have_text("单点登录未成功")
    expect(refused.get_by_role("alert")).to_contain_text("本平台没有为你所在的用户组设置团队")
    expect(refused.get_by_role("link", name="使用密码登录")).to_be_visible()
    refused.screenshot(path=str(ARTIFACTS / "sso-refused-zh.png"), full_page=True)
    assert not SsoIdentity.objects.filter(subject="mallory").exists()
    refused.context.close()
