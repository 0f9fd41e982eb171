"""Dark mode in Chromium: follows the system, a remembered light/dark/system choice, charts and code included."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.billing.conftest import spend  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIGHT_BG, DARK_BG = "rgb(247, 247, 248)", "rgb(18, 19, 22)"
DARK_SERIES = "rgb(140, 173, 255)"


def background(page: Page) -> str:
    return str(page.evaluate("getComputedStyle(document.body).backgroundColor"))


def test_dark_system_gets_the_dark_palette(page_for, alice):
    page = page_for(alice, color_scheme="dark")
    assert background(page) == DARK_BG
    assert page.evaluate("getComputedStyle(document.querySelector('.chat-pane')).color") == "rgb(230, 231, 234)"
    light = page_for(alice, color_scheme="light")
    assert background(light) == LIGHT_BG


def test_the_choice_beats_the_system_and_is_remembered(page_for, alice):
    page = page_for(alice, color_scheme="dark")
    page.get_by_label("Theme").select_option("light")
    assert background(page) == LIGHT_BG
    page.goto("/compare/")
    assert background(page) == LIGHT_BG
    expect(page.get_by_label("Theme")).to_have_value("light")
    page.get_by_label("Theme").select_option("system")
    page.reload()
    assert background(page) == DARK_BG
    page.get_by_label("Theme").select_option("dark")
    page.emulate_media(color_scheme="light")
    page.reload()
    assert background(page) == DARK_BG


def test_theme_is_set_before_the_stylesheets_by_a_static_script(page_for, alice):
    """No flash of the other theme, and no inline script (a strict CSP later): a blocking file in <head>."""
    page = page_for(alice)
    head = page.evaluate(
        """[...document.head.children].map((n) => n.tagName === 'SCRIPT'
            ? `script:${n.getAttribute('src')}:${n.type || 'classic'}:${n.defer || n.async}`
            : n.tagName === 'LINK' ? `link:${n.rel}` : n.tagName)"""
    )
    early = head.index("script:/static/js/theme_early.js:classic:false")
    assert early < head.index("link:stylesheet")
    inline = page.evaluate("[...document.scripts].filter((s) => !s.src && s.type !== 'application/json').length")
    assert inline == 0


def test_charts_follow_the_theme(page_for, alice, spend):  # noqa: F811
    spend(alice, "1.25")
    page = page_for(alice, color_scheme="dark")
    page.goto("/usage/")
    line = page.locator(".chart-svg:visible .line").first  # wide or compact, whichever fits the box
    assert line.evaluate("(n) => getComputedStyle(n).stroke") == DARK_SERIES
    assert background(page) == DARK_BG
