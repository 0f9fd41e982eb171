"""Answers still streaming arrive as sanitised HTML, throttled, with the final render's rules at every step."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from chat.live_render import INLINE_CHARS, LiveRender
from chat.markdown_render import render_markdown
from tests.chat.conftest import events_until, new_conversation, open_socket, session_cookie
from tests.chat.test_markdown_render import SAFE_TAGS, Elements
from tests.fake_upstream import Reply

HOSTILE_ANSWER = "## Plan\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)> [x](javascript:alert(3))\n\n```html\n<script>alert(4)</script>\n"


def _inert(html: str) -> None:
    for tag, attrs in Elements(html).found:
        assert tag in SAFE_TAGS, html
        assert not any(name.startswith("on") or name in ("style", "src") for name in attrs), html
        assert not (attrs.get("href") or "").lower().startswith("javascript"), html


def test_every_prefix_of_a_hostile_partial_answer_renders_inert():
    for end in range(1, len(HOSTILE_ANSWER) + 1):
        _inert(render_markdown(HOSTILE_ANSWER[:end]))


def test_an_unterminated_code_fence_renders_as_escaped_code():
    html = render_markdown("Here:\n\n```html\n<script>alert(1)</script>\n<b>bold")
    assert '<pre data-lang="html"><code>' in html and "</code></pre>" in html
    assert "<script>" not in html and "<b>" not in html
    _inert(html)


def test_a_half_written_table_is_a_table_once_its_rule_arrives():
    assert "<table>" not in render_markdown("| a | b |\n|--")
    assert "<table>" in render_markdown("| a | b |\n|---|---|\n| 1 |")


async def test_renders_are_throttled_and_the_last_text_is_always_rendered():
    text: list[str] = []
    sent: list[dict[str, Any]] = []

    async def send(event: dict[str, Any]) -> None:
        sent.append(event)

    live = LiveRender(lambda: ("".join(text), len(text)), send, every=0.1)
    text.append("# One")
    assert live.html_now() == "<h1>One</h1>\n"  # the first delta is rendered at once
    text.append(" two")
    assert live.html_now() is None  # too soon: rendered when the interval ends
    text.append(" three")
    assert live.html_now() is None
    await asyncio.sleep(0.2)
    assert sent == [{"html": "<h1>One two three</h1>\n", "n": 3}]
    live.close()


@pytest.mark.django_db(transaction=True)
async def test_chat_deltas_carry_the_rendered_answer_so_far(chat_ready, alice):
    chunks = ["## Title\n\n", "| a | b |\n", "|---|---|\n", "| 1 | 2 |\n", "<script>x</script>"]
    chat_ready.script("gpt-4o", Reply(chunks=chunks, chunk_delay=0.15))
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await open_socket(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    assert (await socket.connect())[0]
    await socket.send_json_to({"action": "send", "content": "table please"})
    events = await events_until(socket, "done")
    rendered = [e for e in events if e["kind"] in ("delta", "render") and "html" in e]
    assert rendered[0]["html"] == "<h2>Title</h2>\n"
    assert any("<table>" in e["html"] for e in rendered)
    for event in rendered:
        _inert(event["html"])
    assert rendered[-1]["html"] == events[-1]["html"]  # no jump: the last live render is the final one
    await socket.disconnect()


async def test_a_long_answer_is_rendered_off_the_event_loop():
    text = ["```python\n" + "x = 1\n" * 2000]
    sent: list[dict[str, Any]] = []

    async def send(event: dict[str, Any]) -> None:
        sent.append(event)

    live = LiveRender(lambda: ("".join(text), len(text)), send, every=0.01)
    assert live.html_now() is None  # too long to render inside the delta
    ticks = 0
    while not sent:
        await asyncio.sleep(0.001)  # the loop keeps running while the thread renders
        ticks += 1
    assert ticks > 1 and sent[0]["n"] == 1 and "<pre" in sent[0]["html"]
    text.append("y = 2\n")
    assert live.html_now() is None
    for _ in range(500):
        if len(sent) == 2:
            break
        await asyncio.sleep(0.01)
    assert sent[1]["n"] == 2 and '<span class="n">y</span>' in sent[1]["html"]  # the latest text is always rendered
    live.close()


async def test_deltas_during_a_render_are_rendered_after_it():
    text = ["x" * (INLINE_CHARS + 1)]
    sent: list[dict[str, Any]] = []

    async def send(event: dict[str, Any]) -> None:
        sent.append(event)
        text.append(" more")  # a delta lands while this render is being sent

    live = LiveRender(lambda: ("".join(text), len(text)), send, every=0.01)
    live.html_now()
    for _ in range(300):
        if len(sent) >= 2:
            break
        await asyncio.sleep(0.01)
    assert [e["n"] for e in sent[:2]] == [1, 2]
    live.close()
