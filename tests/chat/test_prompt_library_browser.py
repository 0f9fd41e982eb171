"""The prompt library in Chromium: "/" in the composer lists saved prompts, the keyboard picks one and its text
replaces the "/query" (in English and in Chinese); hostile titles stay text; the Prompts page in Chinese."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from chat.models import SavedPrompt
from tests.page_words import LOCALES, words

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = "<img src=x onerror=\"document.title='pwned'\"> Hostile"


@pytest.mark.parametrize("locale", LOCALES)
def test_slash_then_keyboard_inserts_a_team_prompt(page_for, alice, bob, acme, locale):
    SavedPrompt.objects.create(owner=bob.user, title="Bug report", body="Steps to reproduce:\n1.")
    SavedPrompt.objects.create(owner=alice.user, team=acme, title="Code review", body="Review this diff for bugs.")
    SavedPrompt.objects.create(owner=alice.user, team=acme, title="Contract summary", body="Summarise the contract.")
    SavedPrompt.objects.create(owner=alice.user, title=HOSTILE, body="<b>not bold</b>")
    page = page_for(bob, locale=locale)
    page.goto("/")
    box = page.locator("#message")
    box.click()
    box.type("Please /")
    listbox = page.get_by_role("listbox", name=words(locale)("Saved prompts"))
    expect(listbox).to_be_visible()
    # bob sees his own prompt and acme's two, not alice's personal one
    expect(listbox.get_by_role("option")).to_have_count(3)
    box.type("co")
    options = listbox.get_by_role("option")
    expect(options).to_have_count(2)
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "prompt-option-1")
    page.keyboard.press("Enter")  # inserts; does not send
    expect(listbox).to_be_hidden()
    expect(box).to_have_value("Please Summarise the contract.")
    expect(page.locator("article.msg")).to_have_count(0)
    box.type(" /")
    expect(listbox).to_be_visible()
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_value("Please Summarise the contract. /")
    # a slash inside a word is just text
    box.fill("")
    box.type("and/or")
    expect(listbox).to_be_hidden()


def test_hostile_title_stays_text_in_the_list(page_for, alice):
    SavedPrompt.objects.create(owner=alice.user, title=HOSTILE, body="<b>not bold</b>")
    page = page_for(alice)
    page.goto("/")
    title = page.title()
    page.locator("#message").type("/")
    option = page.get_by_role("listbox", name="Saved prompts").get_by_role("option")
    expect(option).to_contain_text("<img src=x")
    expect(page.locator("#prompt-listbox img, #prompt-listbox b")).to_have_count(0)
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_have_value("<b>not bold</b>")
    assert page.title() == title


def test_prompts_page_adds_a_prompt_in_chinese(page_for, alice):
    page = page_for(alice, locale="zh-CN")
    page.goto("/prompts/")
    expect(page.get_by_role("heading", name="提示词", exact=True)).to_be_visible()
    expect(page.locator(".empty")).to_contain_text("输入 /")
    page.get_by_label("标题").fill("周报")
    page.get_by_label("内容", exact=True).fill("总结本周工作。")
    page.get_by_label("谁可以使用").select_option("acme")
    page.get_by_role("button", name="添加提示词").click()
    expect(page.locator(".prompt-item")).to_contain_text("团队提示词 · Acme")
    assert SavedPrompt.objects.get(title="周报").team.slug == "acme"
