"""The chat in Chromium when things go wrong: a dropped socket shows a banner and the typed message is kept and
delivered once; an answer from a fallback model says why; on a phone the composer stays small."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from chat.models import Message
from tests.fake_upstream import Fail, Reply
from tests.page_words import LOCALES, words

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Pieces of the banner's sentences (its countdown and attempt number vary): "Connection lost. Reconnecting in 2 s
# (attempt 1)…" and "连接已断开。2 秒后重新连接（第 1 次尝试）…".
BANNER_WORDS = {"en-US": ("Connection lost", "attempt"), "zh-CN": ("连接已断开", "次尝试")}


class Line:
    """The page's chat websockets through Playwright: `drop()` closes them and refuses new ones until `restore()`
    (Chromium's offline mode does not touch websockets)."""

    def __init__(self, page):
        self.cut = False
        self.drop_after_send = False  # the line goes down right after the page's next message reaches the server
        self.live = []
        page.route_web_socket("**/ws/chat/**", self._open)

    def _open(self, ws):
        if self.cut:
            ws.close(code=1001, reason="network down")
            return
        server = ws.connect_to_server()
        ws.on_message(lambda message: self._from_page(server, message))
        self.live.append(ws)

    def _from_page(self, server, message):
        server.send(message)
        if self.drop_after_send and '"send"' in message:
            self.drop_after_send = False
            self.drop()

    def drop(self):
        self.cut = True
        for ws in self.live:
            ws.close(code=1001, reason="network down")
        self.live.clear()

    def restore(self):
        self.cut = False


def box(page):
    return page.locator("#message")  # by id: the label follows the language


def answers(page):
    return page.locator("article.msg-assistant")


@pytest.mark.parametrize("locale", LOCALES)
def test_a_dropped_socket_shows_a_banner_and_the_message_sent_meanwhile_arrives_once(page_for, alice, upstream, locale):
    t = words(locale)
    lost, attempt = BANNER_WORDS[locale]
    upstream.script("gpt-4o-mini", Reply(text="first answer"), Reply(text="second answer"))
    page = page_for(alice, locale=locale)
    line = Line(page)
    page.goto("/")
    box(page).fill("first question")
    box(page).press("Enter")
    expect(answers(page).last).to_have_attribute("data-status", "done", timeout=10000)
    expect(box(page)).to_have_value("")  # acknowledged by the server: the box empties

    line.drop()
    banner = page.get_by_role("status").filter(has_text=lost)
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(attempt)
    expect(page.locator("#connection")).to_have_attribute("aria-live", "polite")
    box(page).fill("second question, typed offline")
    box(page).press("Enter")
    expect(page.locator("#pending-note")).to_be_visible()
    expect(box(page)).to_have_value("second question, typed offline")  # kept until the server has it
    page.reload()  # the draft survives a reload (sessionStorage, per conversation)
    expect(box(page)).to_have_value("second question, typed offline")
    expect(page.locator("#connection")).to_contain_text(lost)
    box(page).press("Enter")
    expect(page.locator("#pending-note")).to_be_visible()
    page.wait_for_timeout(1500)
    assert Message.objects.filter(role="user").count() == 1  # nothing went while the line was down

    line.restore()
    expect(page.locator("#connection")).to_have_text(t("Connected again."), timeout=12000)
    expect(answers(page).last).to_contain_text("second answer", timeout=10000)
    expect(answers(page).last).to_have_attribute("data-status", "done", timeout=10000)
    expect(box(page)).to_have_value("")
    expect(page.locator("#pending-note")).to_be_hidden()
    expect(page.locator("article.msg-user")).to_have_count(2)
    sent = list(Message.objects.filter(role="user").values_list("content", flat=True))
    assert sent == ["first question", "second question, typed offline"]  # exactly once
    page.reload()
    expect(box(page)).to_have_value("")  # the delivered draft is gone
    expect(page.locator("#connection")).to_be_empty(timeout=6000)


def _gpt4o_falls_back_to_mini():
    from llmhub import catalog
    from llmhub.models import CatalogModel

    CatalogModel.objects.filter(name="gpt-4o").update(fallbacks=["gpt-4o-mini"])
    catalog.invalidate()


@pytest.mark.parametrize(
    ("locale", "note"),
    [
        ("en-US", "Answered by gpt-4o-mini because gpt-4o was unavailable (its provider does not offer it right now)."),
        ("zh-CN", "由 gpt-4o-mini 回答，因为 gpt-4o 不可用（它的服务商目前不提供这个模型）。"),
    ],
)
def test_an_answer_from_a_fallback_model_says_which_model_failed_and_why(page_for, alice, upstream, locale, note):
    _gpt4o_falls_back_to_mini()
    upstream.script("gpt-4o", Fail(404))
    upstream.script("gpt-4o-mini", Reply(text="answer from the fallback"))
    page = page_for(alice, locale=locale)
    page.locator("#model").select_option("gpt-4o")
    page.locator("#message").fill("hello")
    page.locator("#message").press("Enter")
    answer = answers(page).last
    expect(answer).to_have_attribute("data-status", "done", timeout=10000)
    expect(answer.locator(".msg-model")).to_have_text("gpt-4o-mini")
    expect(answer.locator(".msg-fallback")).to_have_text(note)
    page.reload()  # kept with the answer
    expect(answers(page).last.locator(".msg-fallback")).to_have_text(note)
    assert Message.objects.get(role="assistant").fallback == {
        "asked": "gpt-4o",
        "served": "gpt-4o-mini",
        "code": "upstream_model_not_found",
    }


def test_a_failed_provider_is_explained_in_plain_words(page_for, alice, upstream):
    upstream.script("gpt-4o", Fail(404))
    page = page_for(alice)
    page.locator("#model").select_option("gpt-4o")
    page.locator("#message").fill("hello")
    page.locator("#message").press("Enter")
    error = answers(page).last.locator(".msg-error")
    expect(error).to_contain_text("its provider does not offer it right now (aisa returned 404)", timeout=10000)
    expect(error).to_contain_text("Pick another model")
    expect(error).not_to_contain_text("Upstream aisa")


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_the_phone_composer_takes_at_most_a_fifth_of_the_screen(page_for, alice, upstream, locale):
    page = page_for(alice, width=390, height=844, locale=locale)
    page.goto("/")
    composer = page.locator("#composer")
    expect(composer).to_be_visible()
    height = composer.bounding_box()["height"]
    assert height <= 844 * 0.2, f"the composer is {height} px tall"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"chat-phone-composer-{locale}.png"))
    # One line that grows as lines are typed.
    before = page.locator("#message").bounding_box()["height"]
    page.locator("#message").fill("one\ntwo\nthree\nfour")
    page.locator("#message").dispatch_event("input")
    assert page.locator("#message").bounding_box()["height"] > before
    # Under the model's name, the price line has a row of its own, wide enough to read (not "GPT ·…" beside
    # the buttons); Settings and the two Attach buttons share the next row.
    info = page.locator("#model-info").bounding_box()
    assert info["width"] >= 300, info
    shown = ("#settings", "label[for=attach]", "label[for=attach-document]")
    tops = [page.locator(sel).bounding_box() for sel in shown]
    assert max(t["y"] for t in tops) < min(t["y"] + t["height"] for t in tops), tops
    assert min(t["y"] for t in tops) >= info["y"] + info["height"] - 1, (info, tops)


def test_compare_on_a_phone_scrolls_the_answers_into_view_as_they_start(page_for, alice, upstream):
    for model in ("gpt-4o", "claude-3-5-sonnet"):
        upstream.script(model, Reply(chunks=["first words", " and more"] + [" ..."] * 10, chunk_delay=0.2))
    page = page_for(alice, width=390, height=844)
    page.goto("/compare/")
    page.get_by_label("Prompt", exact=True).fill("Explain recursion briefly")
    page.get_by_label("Model 1").select_option("gpt-4o")
    page.get_by_label("Model 2").select_option("claude-3-5-sonnet")
    grid = page.locator("#compare-grid")
    assert grid.bounding_box()["y"] > 844  # below the fold before the run
    page.get_by_role("button", name="Compare").click()
    expect(page.locator(".compare-col").first.locator(".msg-body")).to_contain_text("first words", timeout=5000)
    first = page.locator(".compare-col").first
    expect(first.locator("h2")).to_be_in_viewport(timeout=3000)
    expect(first.locator(".msg-body")).to_be_in_viewport()
    assert page.locator(".compare-col[data-status='done']").count() == 0  # scrolled while they were writing


def test_a_message_whose_acknowledgement_was_lost_is_not_sent_twice(page_for, alice, upstream):
    upstream.script("gpt-4o-mini", Reply(text="first answer"), Reply(text="second answer"), Reply(text="extra"))
    page = page_for(alice)
    line = Line(page)
    page.goto("/")
    box(page).fill("first question")
    box(page).press("Enter")
    expect(answers(page).last).to_have_attribute("data-status", "done", timeout=10000)
    line.drop_after_send = True  # the server gets the message, the page never hears it did
    box(page).fill("second question")
    box(page).press("Enter")
    expect(page.locator("#connection")).to_contain_text("Connection lost")
    line.restore()
    expect(page.locator("#connection")).to_have_text("Connected again.", timeout=12000)
    expect(answers(page).last).to_contain_text("second answer", timeout=10000)
    expect(box(page)).to_have_value("")
    page.wait_for_timeout(1000)
    assert list(Message.objects.filter(role="user").values_list("content", flat=True)) == [
        "first question",
        "second question",
    ]
