"""Share links in Chromium: made from the chat page by keyboard and mouse, copied, opened read-only by a
signed-out visitor (in English and in Chinese), and stopped by revoking it, from the dialog and from the owner's list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.fake_upstream import Reply
from tests.page_words import LOCALES, words

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def answered_chat(page, upstream) -> None:
    upstream.script("gpt-4o", Reply(chunks=["Hello ", "**world**"]))
    page.locator("#model").select_option("gpt-4o")  # by id: the labels follow the language
    page.locator("#message").fill("Say hello")
    page.locator("#message").press("Enter")
    answer = page.locator("article.msg-assistant").last
    expect(answer).to_have_attribute("data-status", "done", timeout=10000)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_public_link_made_in_the_chat_opens_for_a_signed_out_visitor_until_revoked(
    page_for, browser, live_hub, alice, upstream, locale
):
    t = words(locale)
    page = page_for(alice, locale=locale)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    answered_chat(page, upstream)
    page.get_by_role("button", name=t("Share"), exact=True).click()
    dialog = page.get_by_role("dialog", name=t("Share this conversation"))
    expect(dialog).to_be_visible()
    dialog.get_by_label(t("Anyone with the link")).check()
    expires = dialog.get_by_label(t("The link works for"))
    expect(expires.locator('option[value="never"]')).to_be_disabled()  # a public link must expire
    expires.select_option("1")
    dialog.get_by_role("button", name=t("Create link")).click()
    status = dialog.get_by_role("status")
    expect(status).to_have_text(t("Link created: copy it and send it."))
    url = dialog.get_by_label(t("New link")).input_value()
    assert re.fullmatch(rf"{re.escape(live_hub.url)}/s/[A-Za-z0-9_-]{{43}}/", url)
    page.keyboard.press("Enter")  # focus is on "Copy link"
    expect(status).to_have_text(t("Link copied."))
    assert page.evaluate("navigator.clipboard.readText()") == url
    expect(dialog.locator("#share-links li")).to_have_count(1)

    visitor = browser.new_context(base_url=live_hub.url, locale=locale)
    try:
        shared = visitor.new_page()
        shared.goto(url)
        expect(shared.locator("h1")).to_have_text("Say hello")
        expect(shared.locator("article.msg-assistant strong")).to_have_text("world")
        read_only = t("A read-only copy of this conversation as it was on %(date)s. Later messages are not included.")
        expect(shared.locator("#shared-note")).to_contain_text(read_only.split("%(date)s")[-1].strip())
        expect(shared.locator("#composer")).to_have_count(0)
        assert "$" not in shared.locator("main").inner_text()  # a public viewer sees no money

        dialog.get_by_role("button", name=re.compile("^" + re.escape(t("Revoke link: %s").split("%s")[0]))).click()
        expect(status).to_have_text(t("Link revoked: it no longer opens."))
        expect(dialog.locator("#share-links li")).to_have_count(0)
        assert shared.goto(url).status == 410
        expect(shared.locator("h1")).to_have_text(t("This link no longer works"))
    finally:
        visitor.close()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name=t("Share"), exact=True)).to_be_focused()


def test_the_owner_revokes_a_team_link_from_their_shared_links_page(page_for, browser, live_hub, alice, bob, upstream):
    page = page_for(alice)
    answered_chat(page, upstream)
    page.get_by_role("button", name="Share", exact=True).click()
    dialog = page.get_by_role("dialog", name="Share this conversation")
    dialog.get_by_label("The link works for").select_option("never")  # team-only is the default scope
    dialog.get_by_role("button", name="Create link").click()
    expect(dialog.get_by_label("New link")).to_have_value(re.compile("/s/"))
    url = dialog.get_by_label("New link").input_value()

    member = page_for(bob)
    member.goto(url)
    expect(member.locator("article.msg-assistant .msg-cost")).to_have_text(re.compile(r"^\$"))  # members see cost

    page.goto("/shared/")
    row = page.get_by_role("row", name=re.compile("Say hello"))
    expect(row).to_contain_text("Members of Acme")
    expect(row).to_contain_text("Working")
    row.get_by_role("button", name=re.compile("^Revoke")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("row", name=re.compile("Say hello"))).to_contain_text("Revoked")
    assert member.goto(url).status == 410
