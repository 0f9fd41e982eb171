"""Markdown of an answer still streaming, rendered on the server with the final render's rules, throttled.

The page swaps in the sanitised HTML, so it never shows raw `##` or `|---|` and does not jump at the end:
the last render is of the whole text, the same as the finished answer's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from chat.markdown_render import render_markdown

RENDER_EVERY_SECONDS = 0.12

Send = Callable[[dict[str, Any]], Awaitable[None]]
TextSoFar = Callable[[], tuple[str, int]]


class LiveRender:
    """At most one render per interval; a delta that falls inside it is rendered when the interval ends."""

    def __init__(self, text_so_far: TextSoFar, send: Send, every: float = RENDER_EVERY_SECONDS) -> None:
        self._text_so_far = text_so_far
        self._send = send
        self._every = every
        self._last = 0.0
        self._pending: asyncio.Task[None] | None = None

    def html_now(self) -> str | None:
        """The text so far rendered, if a render is due now; else None, and a render is scheduled."""
        wait = self._last + self._every - time.monotonic()
        if wait <= 0:
            self._last = time.monotonic()
            return render_markdown(self._text_so_far()[0])
        if self._pending is None or self._pending.done():
            self._pending = asyncio.ensure_future(self._later(wait))
        return None

    async def _later(self, wait: float) -> None:
        await asyncio.sleep(wait)
        self._last = time.monotonic()
        text, n = self._text_so_far()
        await self._send({"html": render_markdown(text), "n": n})

    def close(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
