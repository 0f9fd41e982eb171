"""In Chromium: an answer's Markdown is shown rendered while it is still streaming, never as raw markup."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.chat.test_chat_browser import answers, send
from tests.fake_upstream import Reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW_TABLE = [
    "## Transport protocols\n\n",
    "| Protocol | Reliable |\n",
    "|---|---|\n",
    "| TCP | yes |\n",
    "| UDP | no |\n\n",
    *[f"more {i} " for i in range(20)],
]


def test_heading_and_table_render_while_the_answer_streams(page_for, alice, upstream):
    upstream.script("gpt-4o-mini", Reply(chunks=SLOW_TABLE, chunk_delay=0.25))
    page = page_for(alice)
    send(page, "Compare TCP and UDP in a table")
    answer = answers(page).last
    expect(answer.locator(".msg-body h2")).to_have_text("Transport protocols", timeout=5000)
    expect(answer.locator(".msg-body table td").first).to_have_text("TCP", timeout=5000)
    assert answer.get_attribute("data-status") == "streaming"  # still arriving
    assert "|---|" not in answer.locator(".msg-body").inner_text()
    assert "##" not in answer.locator(".msg-body").inner_text()
    expect(answer).to_have_attribute("data-status", "done", timeout=15000)
    expect(answer.locator(".msg-body table")).to_have_count(1)
    expect(answer.locator(".msg-body")).to_contain_text("more 19")


def test_a_reload_mid_stream_shows_the_rendered_text_so_far(page_for, alice, upstream):
    upstream.script("gpt-4o-mini", Reply(chunks=SLOW_TABLE, chunk_delay=0.25))
    page = page_for(alice)
    send(page, "Compare TCP and UDP in a table")
    expect(answers(page).last.locator(".msg-body table")).to_be_visible(timeout=5000)
    page.reload()
    answer = answers(page).last
    expect(answer.locator(".msg-body table")).to_be_visible(timeout=3000)
    assert answer.get_attribute("data-status") == "streaming"
    expect(answer).to_have_attribute("data-status", "done", timeout=15000)
