"""Dark mode in Chromium: follows the system, a remembered light/dark/system choice, charts and code included."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.billing.conftest import spend  # noqa: F401 - the fixture
from tests.fake_upstream import Reply
from tests.page_words import LOCALES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIGHT_BG, DARK_BG = "rgb(247, 247, 248)", "rgb(18, 19, 22)"
DARK_SERIES = "rgb(140, 173, 255)"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


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


# The colour of a node's text and of the first painted background behind it, as [r, g, b] lists.
COLOURS = """(n) => {
    const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
    let behind = n;
    while (behind && /^rgba\\(.*, 0\\)$|^transparent$/.test(getComputedStyle(behind).backgroundColor)) {
        behind = behind.parentElement;
    }
    return [rgb(getComputedStyle(n).color), rgb(behind ? getComputedStyle(behind).backgroundColor : 'rgb(255, 255, 255)')];
}"""


def contrast(foreground: list[float], background: list[float]) -> float:
    """WCAG 2's contrast ratio of two sRGB colours (1 to 21)."""

    def luminance(rgb: list[float]) -> float:
        linear = [c / 255 / 12.92 if c <= 10.31 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_is_wcags_ratio():
    assert round(contrast([0, 0, 0], [255, 255, 255]), 1) == 21.0
    assert round(contrast([118, 118, 118], [255, 255, 255]), 2) == 4.54  # WCAG's smallest AA grey on white


RICH_ANSWER = "**Bold** words, a table and code:\n\n| case | steps |\n|---|---|\n| best | 1 |\n\n```python\ndef f():\n    return 1\n```\n"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_an_answer_and_the_usage_page_read_in_dark_mode(page_for, alice, upstream, locale, size):
    """Every text of an answer (prose, table, code) stands out from what is behind it (WCAG AA, 4.5:1), and
    nothing is wider than the screen; the screenshots (test-artifacts/) are for a person to look at."""
    width, height = (1280, 800) if size == "desktop" else (390, 844)
    upstream.script("gpt-4o-mini", Reply(text=RICH_ANSWER))
    page = page_for(alice, width=width, height=height, locale=locale, color_scheme="dark")
    page.locator("#message").fill("Show me a table and some code")
    page.locator("#message").press("Enter")
    answer = page.locator("article.msg-assistant").last
    expect(answer).to_have_attribute("data-status", "done", timeout=10000)
    assert background(page) == DARK_BG
    for part in ("strong", "td", "pre .k", ".msg-body p"):
        foreground, behind = answer.locator(part).first.evaluate(COLOURS)
        assert contrast(foreground, behind) >= 4.5, f"{part}: {foreground} on {behind}"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"chat-dark-{size}-{locale}.png"))
    page.goto("/usage/")
    expect(page.locator(".chart-svg:visible").first).to_be_visible()
    assert background(page) == DARK_BG
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(ARTIFACTS / f"my-usage-dark-{size}-{locale}.png"), full_page=True)
