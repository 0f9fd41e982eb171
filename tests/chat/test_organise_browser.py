"""Organise and find in Chromium: pins and folders (in English and in Chinese), date groups and live search that
keeps the open chat."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from chat.models import Conversation, Folder
from tests.chat.conftest import new_conversation
from tests.page_words import LOCALES, words

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = "<img src=x onerror=\"document.title='pwned'\"> the pelican <b>nests</b>"


def item(page, title: str):
    return page.locator(".conv-item", has=page.locator("a[data-conversation]", has_text=title))


@pytest.mark.parametrize("locale", LOCALES)
def test_pin_moves_a_conversation_to_the_top_by_keyboard(page_for, alice, locale):
    t = words(locale)
    oldest = new_conversation(alice, title="Oldest chat")
    new_conversation(alice, title="Middle chat")
    new_conversation(alice, title="Newest chat")
    page = page_for(alice, locale=locale)
    page.goto(f"/c/{oldest.id}/")
    links = page.locator("#conv-list a[data-conversation]")
    expect(links.first).to_have_text("Newest chat")
    expect(page.locator('[data-group="today"] .conv-group-title')).to_have_text(t("Today"))
    menu = page.get_by_label(t("Actions for “%(title)s”") % {"title": "Oldest chat"})
    menu.focus()
    page.keyboard.press("Enter")  # opens the "…" menu
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=t("Pin"), exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator('[data-group="pinned"]')).to_contain_text("Oldest chat")
    expect(links.first).to_have_text("Oldest chat")
    expect(page.locator("#conv-list a[aria-current=page]")).to_have_text("Oldest chat")
    assert Conversation.objects.get(id=oldest.id).pinned_at is not None
    page.get_by_label(t("Actions for “%(title)s”") % {"title": "Oldest chat"}).click()
    page.get_by_role("button", name=t("Unpin")).click()
    expect(page.locator('[data-group="pinned"]')).to_have_count(0)
    expect(links.first).to_have_text("Newest chat")


@pytest.mark.parametrize("locale", LOCALES)
def test_create_a_folder_and_move_a_conversation_into_it(page_for, alice, locale):
    t = words(locale)
    new_conversation(alice, title="Quarterly plan")
    new_conversation(alice, title="Dinner ideas")
    page = page_for(alice, locale=locale)
    page.get_by_text(t("New folder"), exact=True).click()
    page.get_by_placeholder(t("Folder name")).fill("Work")
    page.get_by_placeholder(t("Folder name")).press("Enter")
    folder = page.locator(".conv-folder", has=page.get_by_role("heading", name="Work"))
    expect(folder).to_contain_text(t("No conversations in this folder yet. Use “…” on a conversation to move it here."))
    quarterly = item(page, "Quarterly plan")
    quarterly.get_by_label(t("Actions for “%(title)s”") % {"title": "Quarterly plan"}).click()
    quarterly.get_by_label(t("Move to folder")).select_option(label="Work")
    quarterly.get_by_role("button", name=t("Move"), exact=True).click()
    expect(folder.locator("a[data-conversation]")).to_have_text(["Quarterly plan"])
    expect(page.locator('[data-group="today"]')).not_to_contain_text("Quarterly plan")
    work = Folder.objects.get(owner=alice.user, name="Work")
    assert Conversation.objects.get(title="Quarterly plan").folder_id == work.id
    # Deleting the folder keeps its conversation, back under its date.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_label(t("Folder “%(name)s”") % {"name": "Work"}).click()
    page.get_by_role("button", name=t("Delete folder")).click()
    expect(page.locator(".conv-folder")).to_have_count(0)
    expect(page.locator('[data-group="today"]')).to_contain_text("Quarterly plan")


def test_live_search_shows_snippets_and_keeps_the_open_chat(page_for, alice):
    current = new_conversation(alice, title="Open chat")
    current.messages.create(role="user", content="about gardening")
    other = new_conversation(alice, title="Birds")
    other.messages.create(role="assistant", content=HOSTILE)
    page = page_for(alice)
    page.goto(f"/c/{current.id}/")
    page.get_by_label("Message", exact=True).fill("a draft I am typing")
    search = page.get_by_placeholder("Search conversations")
    search.press_sequentially("pelican", delay=30)
    result = page.locator("#search-results a.search-result")
    expect(result).to_have_count(1)
    expect(result.locator(".search-title")).to_have_text("Birds")
    expect(result.locator("mark")).to_have_text("pelican")
    expect(result.locator(".search-snippet")).to_contain_text("<img src=x")  # shown as text, never parsed
    assert result.locator("img, b").count() == 0
    assert page.title() != "pwned"
    # The open chat is untouched: same address, same conversation, the draft still in the box.
    assert page.url.endswith(f"/c/{current.id}/")
    expect(page.locator("#chat-title")).to_have_text("Open chat")
    expect(page.get_by_label("Message", exact=True)).to_have_value("a draft I am typing")
    expect(page.locator("#conv-list")).to_be_hidden()
    # Arrow keys move into the results; Escape brings the list back.
    search.press("ArrowDown")
    expect(result).to_be_focused()
    page.keyboard.press("Escape")
    expect(search).to_have_value("")
    expect(page.locator("#conv-list")).to_be_visible()
    expect(page.locator("#search-results")).to_be_hidden()
    search.fill("no such words anywhere")
    expect(page.locator("#search-status")).to_have_text("No conversations match “no such words anywhere”.")
    # Enter opens the first result.
    search.fill("pelican")
    expect(result).to_have_count(1)
    search.press("Enter")
    page.wait_for_url(re.compile(rf"/c/{other.id}/$"))
    expect(page.locator("#chat-title")).to_have_text("Birds")


def test_sidebar_and_search_in_chinese(page_for, alice):
    new_conversation(alice, title="旅行计划").messages.create(role="user", content="去上海的火车")
    page = page_for(alice, locale="zh-CN")
    expect(page.locator('[data-group="today"] .conv-group-title')).to_have_text("今天")
    search = page.locator("#search")
    search.fill("火车")
    expect(page.locator("#search-results mark")).to_have_text("火车")
    expect(page.locator("#search-status")).to_have_text("匹配的对话：1")
    search.fill("飞机")
    expect(page.locator("#search-status")).to_have_text("没有与“飞机”匹配的对话。")


def test_groups_follow_the_browsers_time_zone(browser, live_hub, alice):
    new_conversation(alice, title="Zone check")
    context = browser.new_context(base_url=live_hub.url, timezone_id="Pacific/Auckland")
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.locator("#id_username").fill(alice.user.username)
        page.locator("#id_password").fill(alice.password)
        page.locator("#id_password").press("Enter")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        # The first page was grouped in the hub's zone; the script tells the server the browser's and redraws.
        expect(page.locator("#conv-groups")).to_have_attribute("data-time-zone", "Pacific/Auckland")
        expect(page.locator("#conv-list")).to_contain_text("Zone check")
        assert any(c["name"] == "tz" and c["value"] == "Pacific/Auckland" for c in context.cookies())
    finally:
        context.close()
