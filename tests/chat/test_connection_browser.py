"""The chat in Chromium when the connection drops: a banner, the typed message kept and delivered once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from chat.models import Message
from tests.fake_upstream import Reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Line:
    def __init__(self, page):
        self.cut = False
        self.live = []
        page.route_web_socket("**/ws/chat/**", self.handle)

    def handle(self, ws):
        if self.cut:
            ws.close(code=1006 - 5, reason="cut")  # 1001
            return
        ws.connect_to_server()
        self.live.append(ws)

    def drop(self):
        self.cut = True
        for ws in self.live:
            ws.close(code=1001, reason="cut")
        self.live.clear()


def test_probe_offline(page_for, alice, upstream):
    upstream.script("gpt-4o-mini", Reply(text="first answer"), Reply(text="second answer"))
    page = page_for(alice)
    line = Line(page)
    page.goto("/")
    page.evaluate("window.log=[]; const W=window.WebSocket;")
    page.get_by_label("Message", exact=True).fill("hello")
    page.get_by_label("Message", exact=True).press("Enter")
    expect(page.locator("article.msg-assistant").last).to_have_attribute("data-status", "done", timeout=10000)
    line.drop()
    for _ in range(6):
        page.wait_for_timeout(500)
        print("STATUS", page.evaluate("document.body.dataset.socket"), page.locator("#connection").text_content())
    line.cut = False
    page.wait_for_timeout(3000)
    print("STATUS", page.evaluate("document.body.dataset.socket"), page.locator("#connection").text_content())
