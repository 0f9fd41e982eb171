"""A member out of credit in Chromium: plain words (the team's name, what the answer could cost, what is left),
"Ask for credits" opening a prefilled request, "Use a cheaper model" answering; a cap's reset in local time."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from billing.models import Budget, Team
from chat.models import Message
from tests.fake_upstream import Reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _send(page, text: str) -> None:
    page.locator("#message").fill(text)  # by id: the label follows the language
    page.locator("#message").press("Enter")


def test_a_member_out_of_credit_reads_plain_words_and_a_cheaper_model_answers(page_for, bob, acme, upstream):
    Team.objects.filter(pk=acme.pk).update(name="Acme Research", balance=Decimal("0.0001"))
    upstream.script("deepseek-coder", Reply(text="A cheap answer."))
    page = page_for(bob)
    page.locator("#model").select_option("o1")
    _send(page, "hi")
    refusal = page.locator("article.msg-assistant").last.locator(".refusal")
    expect(refusal).to_contain_text("This answer could cost up to $", timeout=10000)
    expect(refusal).to_contain_text("Acme Research has less than $0.01 left.")
    for developer_words in ("max_tokens", "held in full", "Insufficient credits"):
        expect(refusal).not_to_contain_text(developer_words)
    ask = refusal.get_by_role("link", name="Ask for credits")
    assert ask.get_attribute("href") == "/teams/acme/credits/ask/?amount=7.00"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-out-of-credit-plain-words.png"))

    # Read again after a reload (the page's own rendering), with the same words and buttons.
    page.reload()
    refusal = page.locator("article.msg-assistant").last.locator(".refusal")
    expect(refusal).to_contain_text("Acme Research has less than $0.01 left.")
    refusal.get_by_role("link", name="Ask for credits").click()
    expect(page.get_by_label("Amount (USD)")).to_have_value("7.00")
    expect(page.get_by_role("heading", level=1)).to_have_text("Request credits for Acme Research")
    page.go_back()

    page.locator(".refusal").get_by_role("button", name="Use a cheaper model (deepseek-coder)").click()
    answer = page.locator("article.msg-assistant").last
    expect(answer).to_contain_text("A cheap answer.", timeout=10000)
    expect(answer).to_have_attribute("data-status", "done")
    expect(answer.locator(".msg-model")).to_have_text("deepseek-coder")
    assert page.locator("#model").input_value() == "deepseek-coder"
    assert Message.objects.filter(status="done", model="deepseek-coder").count() == 1


def test_a_member_cap_in_chinese_shows_when_it_starts_again_in_local_time(page_for, bob, acme, upstream, settings):
    settings.TIME_ZONE = "UTC"
    Budget.objects.create(team=acme, user=bob.user, amount=Decimal("0.000001"), period=Budget.DAILY)
    page = page_for(bob, locale="zh-CN")
    _send(page, "你好")
    refusal = page.locator("article.msg-assistant").last.locator(".refusal")
    expect(refusal).to_contain_text("你在 Acme 的每日限额为 $0.000001。", timeout=10000)
    when = refusal.locator("time")
    expect(when).to_have_count(1)
    stored = Message.objects.get(status="error").refusal
    assert when.get_attribute("datetime") == stored["resets_at"]
    # The browser's own rendering (Intl, in its zone), in place of the hub's "… (UTC)".
    assert stored["resets_shown"] not in refusal.inner_text() and when.inner_text()
    expect(refusal).not_to_contain_text("Ask for credits")
    page.screenshot(path=str(ARTIFACTS / "chat-member-cap-zh.png"))
