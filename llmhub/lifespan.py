"""The ASGI lifespan (uvicorn): start the worker's hold sweeper; on SIGTERM give in-flight requests
SHUTDOWN_GRACE_SECONDS, then settle the rest as interrupted, before the server lets the process exit."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings

from billing import cache_generations
from llmhub.gateway import charging, sweeper
from llmhub.infra import channel_layer
from llmhub.infra.http_client import close_client

_drains: set[asyncio.Task[int]] = set()


def _on_sigterm(loop: asyncio.AbstractEventLoop) -> None:
    """Chain after the server's own SIGTERM handler (which stops accepting), and start the drain."""
    previous = signal.getsignal(signal.SIGTERM)

    def handle(sig: int, frame: FrameType | None) -> None:
        if callable(previous):
            previous(sig, frame)
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(_start_drain)

    signal.signal(signal.SIGTERM, handle)


def _start_drain() -> None:
    task = asyncio.ensure_future(sweeper.drain(settings.SHUTDOWN_GRACE_SECONDS))
    _drains.add(task)
    task.add_done_callback(_drains.discard)


async def lifespan_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            sweeper.ensure_running()
            cache_generations.start_watching()
            if threading.current_thread() is threading.main_thread():
                _on_sigterm(asyncio.get_running_loop())
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if _drains:
                await asyncio.gather(*_drains, return_exceptions=True)
            else:
                await sweeper.drain(0)  # the server already waited for its connections; cut what is left
            await sweeper.stop()
            await charging.wait_for_background()
            await close_client()
            await channel_layer.close_connections()
            await send({"type": "lifespan.shutdown.complete"})
            return
