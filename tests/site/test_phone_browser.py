"""The phone layout (390×844) in Chromium: a whole title, a one-line bar with a menu, credits in sight."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from chat.models import Conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 390, 844


def box(locator: Any) -> dict[str, float]:
    found: dict[str, float] = locator.bounding_box()
    return found


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.fixture
def long_titled(alice, upstream):
    from chat.conversations import create_conversation

    conversation = create_conversation(alice.user, "gpt-4o")
    conversation.title = "Plan a week of vegetarian dinners for four"
    conversation.save()
    return conversation


def test_phone_title_is_not_cut_by_the_total_or_the_menu(page_for, alice, long_titled: Conversation):
    page = page_for(alice, width=WIDTH, height=HEIGHT)
    page.goto(f"/c/{long_titled.id}/")
    title = page.locator("#chat-title")
    expect(title).to_have_text(long_titled.title)
    assert title.evaluate("(n) => n.scrollWidth <= n.clientWidth && n.scrollHeight <= n.clientHeight + 1")
    for other in ("#total", "#conversation-menu", ".head-credits"):
        assert not overlaps(box(title), box(page.locator(other))), other
    assert box(page.locator("#conversation-menu"))["x"] + box(page.locator("#conversation-menu"))["width"] <= WIDTH


def test_phone_credits_are_visible_outside_the_drawer(page_for, alice):
    page = page_for(alice, width=WIDTH, height=HEIGHT)
    expect(page.locator("#sidebar")).not_to_be_in_viewport()
    credits = page.locator(".head-credits")
    expect(credits).to_be_visible()
    expect(credits).to_contain_text("$100.00")


def test_phone_nav_is_one_line_behind_a_menu_button(page_for, alice):
    page = page_for(alice, width=WIDTH, height=HEIGHT)
    bar = box(page.locator(".topbar"))
    assert bar["height"] < 56 and bar["width"] <= WIDTH
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    toggle = page.get_by_role("button", name="Menu")
    assert abs(box(toggle)["y"] - box(page.locator(".brand"))["y"]) < 12  # the same line as the brand
    toggle.click()
    expect(nav.get_by_role("link", name="My usage")).to_be_visible()
    for link in nav.get_by_role("link").all():
        assert box(link)["x"] + box(link)["width"] <= WIDTH
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()


def test_desktop_shows_the_nav_without_a_menu_button(page_for, alice):
    page = page_for(alice)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="My usage")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
