"""The chat in Chromium as a Chinese (zh-CN) browser sees it, an English one, and the language switch."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.fake_upstream import Reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Names, not English words: the brand, the language switch's own "English", protocol and key-cap names in the
# suggestions and the help line (Chinese UIs write them so too). Model names and families come from the catalog.
NAMES = ["LLM Hub", "English", "TCP", "UDP", "Ctrl", "Shift", "Esc"]


def wait_for_catalog(page: Any) -> None:
    """The JavaScript catalog script is deferred: wait until it defines gettext. Polled from here: Playwright's
    wait_for_function evaluates its string in the page, which the pages' CSP (no 'unsafe-eval') refuses."""
    deadline = time.monotonic() + 10
    while page.evaluate("typeof window.gettext") != "function":
        assert time.monotonic() < deadline, "the JavaScript catalog never loaded"
        page.wait_for_timeout(50)


def model_names() -> list[str]:
    """Catalog models and families, and the auto routes (names a client sends as the model, like auto:code)."""
    from chat.model_picker import AUTO_ROUTES
    from llmhub.catalog import snapshot

    models = snapshot().models.values()
    return [m.name for m in models] + [m.family for m in models if m.family] + AUTO_ROUTES


def english_words(text: str, allowed: list[str]) -> list[str]:
    """Runs of two or more ASCII letters left once names, numbers and prices are taken out."""
    for name in sorted(allowed, key=len, reverse=True):
        text = text.replace(name, " ")
    return re.findall(r"[A-Za-z]{2,}", text)


def send(page, text: str) -> None:
    page.locator("#message").fill(text)
    page.locator("#message").press("Enter")


def test_zh_cn_browser_sees_the_chat_in_chinese_only(page_for, alice, acme, upstream):
    upstream.script("gpt-4o-mini", Reply(chunks=["你好，", "我是**助手**。"], chunk_delay=0.05))
    page = page_for(alice, locale="zh-CN")
    expect(page.get_by_label("消息", exact=True)).to_be_visible()
    expect(page.get_by_label("模型", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="发送", exact=True)).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.get_by_label("模型", exact=True).fill("gpt-4o-mini")  # the combobox: type, Enter picks
    page.get_by_label("模型", exact=True).press("Enter")
    send(page, "你好")
    answer = page.locator("article.msg-assistant").last
    expect(answer).to_have_attribute("data-status", "done", timeout=10000)
    expect(answer.locator(".msg-meta")).to_contain_text("词元")  # written by the page script, through t()
    expect(answer.get_by_role("button", name="复制")).to_be_attached()
    expect(page.locator("#total")).to_contain_text("共")
    text = page.evaluate("document.body.innerText")
    assert english_words(text, NAMES + model_names() + [acme.name]) == []


def test_english_browser_still_gets_english(page_for, alice):
    page = page_for(alice, locale="en-US")
    expect(page.get_by_label("Message", exact=True)).to_be_visible()
    expect(page.get_by_label("Model", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    wait_for_catalog(page)
    assert page.evaluate("window.gettext('Copy code')") == "Copy code"


def test_language_switch_overrides_the_browser_and_sticks(page_for, alice):
    page = page_for(alice, locale="en-US")
    page.get_by_label("Language").select_option("zh-hans")  # submits itself (static/js/hub.js)
    expect(page.get_by_role("button", name="发送", exact=True)).to_be_visible()
    wait_for_catalog(page)
    assert page.evaluate("window.gettext('Copy code')") == "复制代码"
    page.goto("/compare/")
    expect(page.get_by_role("heading", name="模型对比")).to_be_visible()
    page.get_by_label("语言").select_option("en")
    expect(page.get_by_role("heading", name="Compare models")).to_be_visible()


def test_zh_cn_browser_sees_the_compare_page_in_chinese_only(page_for, alice):
    page = page_for(alice, locale="zh-CN")
    page.goto("/compare/")
    expect(page.get_by_label("提示词", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="对比", exact=True)).to_be_visible()
    assert english_words(page.evaluate("document.body.innerText"), NAMES + model_names()) == []


def test_the_choice_follows_the_person_to_another_browser(page_for, alice):
    page = page_for(alice, locale="en-US")
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.get_by_role("button", name="发送", exact=True)).to_be_visible()
    elsewhere = page_for(alice, locale="en-US")  # a fresh browser, English, signs in
    expect(elsewhere.get_by_role("button", name="发送", exact=True)).to_be_visible()
    elsewhere.reload()
    expect(elsewhere.get_by_role("button", name="发送", exact=True)).to_be_visible()
