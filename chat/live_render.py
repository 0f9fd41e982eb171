"""Markdown of an answer still streaming, rendered on the server with the final render's rules, throttled.

The page swaps in the sanitised HTML, so it never shows raw `##` or `|---|` and does not jump at the end:
the last render is of the whole text, the same as the finished answer's. Rendering costs about 10 ms per
KB, so a long answer is rendered in a worker thread and less often (never more than a third of the time).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from chat.markdown_render import render_markdown

RENDER_EVERY_SECONDS = 0.12
INLINE_CHARS = 4_000  # rendered right in the delta below this size (a few ms); above, in a thread
BUSY_SHARE = 3  # wait at least 3× the last render's duration before the next one

Send = Callable[[dict[str, Any]], Awaitable[None]]
TextSoFar = Callable[[], tuple[str, int]]
OnDelta = Callable[[str], Awaitable[None]]


class LiveRender:
    """At most one render per interval; a delta that falls inside it is rendered when the interval ends."""

    def __init__(self, text_so_far: TextSoFar, send: Send, every: float = RENDER_EVERY_SECONDS) -> None:
        self._text_so_far = text_so_far
        self._send = send
        self._every = every
        self._last = 0.0
        self._took = 0.0
        self._pending: asyncio.Task[None] | None = None

    def _wait(self) -> float:
        return self._last + max(self._every, BUSY_SHARE * self._took) - time.monotonic()

    def html_now(self) -> str | None:
        """The text so far rendered, if a short render is due now; else None, and a render is scheduled."""
        if self._pending is not None and not self._pending.done():
            return None
        wait = self._wait()
        text = self._text_so_far()[0]
        if wait <= 0 and len(text) <= INLINE_CHARS:
            started = self._last = time.monotonic()
            html = render_markdown(text)
            self._took = time.monotonic() - started
            return html
        self._pending = asyncio.ensure_future(self._later(max(wait, 0.0)))
        return None

    async def _later(self, wait: float) -> None:
        await asyncio.sleep(wait)
        text, n = self._text_so_far()
        started = self._last = time.monotonic()
        html = await asyncio.to_thread(render_markdown, text) if len(text) > INLINE_CHARS else render_markdown(text)
        self._took = time.monotonic() - started
        await self._send({"html": html, "n": n})
        if self._text_so_far()[1] > n:  # deltas arrived while rendering: the latest text is rendered too
            self._pending = asyncio.ensure_future(self._later(max(self._wait(), 0.0)))

    def close(self) -> None:
        if self._pending is not None:
            self._pending.cancel()


def live_deltas(parts: list[str], send: Send, names: dict[str, Any]) -> tuple[LiveRender, OnDelta]:
    """One streaming answer's delta callback and its LiveRender: every `delta` event carries the text, the
    count so far and, when a render is due, the HTML; later renders go out as `render` events. `names`
    (e.g. {"id": 7}) says in every event which answer it belongs to. `parts` is only ever appended to."""

    async def send_render(rendered: dict[str, Any]) -> None:
        await send({"kind": "render", **names, **rendered})

    live = LiveRender(lambda: ("".join(parts), len(parts)), send_render)

    async def on_delta(text: str) -> None:
        event: dict[str, Any] = {"kind": "delta", **names, "text": text, "n": len(parts)}
        html = live.html_now()
        if html is not None:
            event["html"] = html
        await send(event)

    return live, on_delta
