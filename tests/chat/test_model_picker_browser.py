"""The model picker's combobox in Chromium: typing filters and says how many match, the keyboard alone picks,
the pick is the model that answers, stars survive a reload, and a phone shows the whole name."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from chat.models import Message, ModelFavourite
from tests.chat.test_chat_browser import answers, finished
from tests.fake_upstream import Reply
from tests.page_words import LOCALES, words

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONGEST_NAME = "qwen3-235b-a22b-thinking-2507"  # the longest name genai-prices gives a chat model


def combobox(page):
    return page.get_by_role("combobox", name="Model")


def shown_options(page) -> list[str]:
    values: list[str] = page.locator("#model-listbox [role=option]").evaluate_all(
        "rows => rows.map(r => r.dataset.value)"
    )
    return values


def test_typing_filters_the_list_and_announces_the_count(page_for, alice, upstream):
    page = page_for(alice)
    box = combobox(page)
    expect(page.locator("#model")).to_have_attribute("aria-hidden", "true")  # one control for screen readers
    box.fill("deepseek")
    expect(page.get_by_role("listbox")).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    names = shown_options(page)
    assert names and all("deepseek" in name for name in names)
    expect(page.get_by_role("status").filter(has_text="match")).to_have_text(f"{len(names)} models match.")
    box.fill("deepseek vision")  # every word must match: no deepseek model sees images
    expect(page.locator("#model-status")).to_have_text("No model matches.")
    box.fill("code")  # abilities, families and descriptions match too, as in the old search box
    assert "auto:code" in shown_options(page) and "deepseek-coder" in shown_options(page)
    row = page.get_by_role("option", name=re.compile(r"^gpt-4o-mini\b"))
    box.fill("gpt-4o-mini")
    expect(row).to_contain_text("$0.15 / $0.60 per 1M")
    expect(row).to_contain_text("≈ $0.00032 a message here")  # 100 + 500 tokens, priced on the server
    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_value("gpt-4o-mini")  # Escape leaves the choice as it was


@pytest.mark.parametrize("locale", LOCALES)
def test_the_keyboard_alone_picks_the_model_that_answers_next(page_for, alice, upstream, locale):
    upstream.script("deepseek-coder", Reply(text="Coded."))
    page = page_for(alice, locale=locale)
    box = page.get_by_role("combobox", name=words(locale)("Model"))
    box.focus()
    page.keyboard.type("deepseek")
    first = shown_options(page)[0]
    expect(box).to_have_attribute("aria-activedescendant", re.compile("model-option-"))
    target = shown_options(page).index("deepseek-coder")
    for _ in range(target):
        page.keyboard.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    expect(page.locator(f"#{active}")).to_have_attribute("data-value", "deepseek-coder")
    assert first != "deepseek-coder" or target == 0
    page.keyboard.press("Enter")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_value("deepseek-coder")
    expect(page.locator("#model")).to_have_value("deepseek-coder")
    expect(page.locator("#model-info")).to_contain_text(
        words(locale)("%s in / %s out per 1M tokens") % ("$0.14", "$0.28")
    )
    page.locator("#message").fill("Write a loop")  # by id: the label follows the language
    page.locator("#message").press("Enter")
    finished(page, "Coded.")
    expect(answers(page).last.locator(".msg-model")).to_have_text("deepseek-coder")
    assert Message.objects.filter(role=Message.ASSISTANT).get().model == "deepseek-coder"
    # The conversation grew: its estimates are asked again and priced on its real length.
    expect(page.locator("#model-picker")).not_to_have_attribute("data-history", "0")


def test_a_starred_model_stays_pinned_after_a_reload(page_for, alice, upstream):
    page = page_for(alice)
    box = combobox(page)
    box.fill("o3-mini")
    box.press("Enter")
    page.get_by_role("button", name="☆ Favourite").click()
    expect(page.get_by_role("button", name="★ Favourite")).to_have_attribute("aria-pressed", "true")
    page.reload()
    box = combobox(page)
    box.focus()
    page.keyboard.press("ArrowDown")  # opens the whole list
    groups = page.locator("#model-listbox [role=group]")
    expect(groups.nth(1).locator(".model-group-label")).to_have_text("Pinned")  # under the auto routes
    expect(groups.nth(1).get_by_role("option")).to_have_count(1)
    expect(groups.nth(1).get_by_role("option")).to_contain_text("o3-mini")
    expect(groups.nth(1).get_by_role("option")).to_contain_text("favourite")
    assert list(ModelFavourite.objects.values_list("model", flat=True)) == ["o3-mini"]


def test_a_phone_shows_the_whole_name_without_sideways_scrolling(page_for, alice, upstream):
    from decimal import Decimal

    from llmhub import catalog
    from llmhub.models import CatalogModel, Deployment

    model = CatalogModel.objects.create(
        name=LONGEST_NAME, family="Qwen", input_price=Decimal("0.2"), output_price=Decimal("2.4"),
        context_window=131_072, max_output_tokens=32_768,
    )  # fmt: skip
    Deployment.objects.create(model=model, provider="aisa", upstream_model=LONGEST_NAME, priority=10)
    catalog.invalidate()
    page = page_for(alice, width=360, height=780)
    box = combobox(page)
    box.fill("thinking 2507")
    box.press("Enter")
    expect(box).to_have_value(LONGEST_NAME)
    fits = "el => el.scrollWidth <= el.clientWidth"
    assert box.evaluate(fits), "the chosen name is cut"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box.focus()
    page.keyboard.press("ArrowDown")
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    assert listbox.evaluate(fits)
    bounds = listbox.bounding_box()
    assert bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= 360
    rows = page.locator("#model-listbox [role=option]")
    assert rows.evaluate_all(f"rows => rows.every({fits})")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_picker_speaks_chinese(page_for, alice, upstream):
    page = page_for(alice, locale="zh-CN")
    box = page.get_by_role("combobox", name="模型")
    expect(box).to_have_attribute("placeholder", "按名称、系列或能力搜索模型")
    box.fill("gpt-4o")
    expect(page.locator("#model-status")).to_contain_text("个模型匹配")
    expect(page.get_by_role("option", name=re.compile(r"^gpt-4o-mini\b"))).to_contain_text("此处每条消息约")
    box.press("Enter")
    expect(page.locator("#model-info")).to_contain_text("此处一条典型消息约")
    expect(page.get_by_role("button", name="☆ 收藏")).to_be_visible()


def test_without_javascript_the_native_select_is_the_picker(browser, live_hub, alice, upstream):
    context = browser.new_context(java_script_enabled=False, base_url=live_hub.url)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.locator("#id_username").fill(alice.user.username)
        page.locator("#id_password").fill(alice.password)
        page.locator("#id_password").press("Enter")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        select = page.get_by_label("Model", exact=True)
        expect(select).to_be_visible()
        assert select.evaluate("el => el.tagName") == "SELECT"
        expect(page.locator("#model-combo")).to_be_hidden()
        expect(page.locator("#model-actions")).to_be_hidden()  # stars need the script
        select.select_option("o1")
        expect(select).to_have_value("o1")
    finally:
        context.close()


def test_a_team_admin_pins_the_default_a_member_then_starts_with(page_for, alice, bob, upstream):
    page = page_for(alice)
    box = combobox(page)
    box.fill("claude-3-opus")
    box.press("Enter")
    page.get_by_role("button", name="Team default").click()
    expect(page.get_by_role("button", name="Team default")).to_have_attribute("aria-pressed", "true")
    member = page_for(bob)
    expect(combobox(member)).to_have_value("claude-3-opus")  # bob never picked: his new chat starts there
    expect(member.get_by_role("button", name="Team default")).to_have_count(0)  # only admins set it
    combobox(member).focus()
    member.keyboard.press("ArrowDown")
    pinned = member.locator("#model-listbox [role=group]").nth(1)
    expect(pinned.locator(".model-group-label")).to_have_text("Pinned")
    expect(pinned.get_by_role("option")).to_contain_text("team default")
