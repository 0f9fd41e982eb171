"""Thumbs on answers in Chromium: rate by click or keyboard, toggle, add a note, and see it on the leaderboard
(a thumbs-down in English and in Chinese)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from chat.models import AnswerFeedback
from tests.fake_upstream import Reply
from tests.page_words import LOCALES, words

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ask(page, text: str) -> None:
    page.locator("#message").fill(text)
    page.locator("#message").press("Enter")
    answer = page.locator("article.msg-assistant").last
    expect(answer).to_have_attribute("data-status", "done", timeout=10000)


def test_a_thumbs_up_is_saved_toggled_noted_and_counted(page_for, alice, upstream):
    upstream.script("gpt-4o-mini", Reply(text="Lisbon has great pastéis."))
    page = page_for(alice)
    ask(page, "Where to eat?")  # a new chat's model: gpt-4o-mini
    answer = page.locator("article.msg-assistant").last
    expect(answer).to_contain_text("pastéis")
    good = answer.get_by_role("button", name="Good answer")
    good.click()
    expect(good).to_have_attribute("aria-pressed", "true")
    expect(answer.get_by_role("button", name="Bad answer")).to_have_attribute("aria-pressed", "false")
    note = answer.locator("[data-feedback-note]")
    expect(note).to_have_text("Add a note")
    note.click()
    dialog = page.get_by_role("dialog", name="Note on this answer")
    expect(dialog).to_be_visible()
    dialog.get_by_label("What was good or bad about it? (optional)").fill("Short and right.")
    dialog.get_by_role("button", name="Save note").click()
    expect(answer.get_by_role("button", name="Edit note")).to_be_visible()
    expect(note).to_be_focused()  # focus comes back to where it was
    vote = AnswerFeedback.objects.get()
    assert (vote.good, vote.note, vote.user_id) == (True, "Short and right.", alice.user.id)

    page.reload()  # the server draws the vote it saved
    answer = page.locator("article.msg-assistant").last
    expect(answer.get_by_role("button", name="Good answer")).to_have_attribute("aria-pressed", "true")
    page.goto("/compare/leaderboard/")
    row = page.locator("tr", has=page.get_by_role("cell", name="gpt-4o-mini", exact=True))
    expect(row).to_contain_text("1 up, 0 down")
    expect(row).to_contain_text("100%")

    page.go_back()
    good = page.locator("article.msg-assistant").last.get_by_role("button", name="Good answer")
    good.click()  # pressed again: the vote is taken back
    expect(good).to_have_attribute("aria-pressed", "false")
    expect(page.locator("article.msg-assistant").last.locator("[data-feedback-note]")).to_be_hidden()
    assert not AnswerFeedback.objects.exists()


@pytest.mark.parametrize("locale", LOCALES)
def test_a_member_gives_a_thumbs_down_by_keyboard_and_sees_it_on_the_board(page_for, bob, upstream, locale):
    t = words(locale)
    upstream.script("gpt-4o-mini", Reply(text="Not quite sure."))
    page = page_for(bob, locale=locale)
    ask(page, "Hello")
    expect(page.locator("article.msg-assistant").last).to_contain_text("Not quite sure")
    bad = page.locator("article.msg-assistant").last.get_by_role("button", name=t("Bad answer"))
    bad.focus()
    page.keyboard.press("Enter")
    expect(bad).to_have_attribute("aria-pressed", "true")
    assert AnswerFeedback.objects.get().good is False
    page.get_by_role("link", name=t("Leaderboard")).click()  # bob is a member, not an admin
    expect(page.get_by_role("heading", name=t("Model leaderboard"))).to_be_visible()
    row = page.locator("tr", has=page.get_by_role("cell", name="gpt-4o-mini", exact=True))
    expect(row).to_contain_text(t("%(up)s up, %(down)s down") % {"up": 0, "down": 1})
    expect(row).to_contain_text("0%")
