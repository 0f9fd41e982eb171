"""An aiohttp application served on 127.0.0.1 (a free port) from a thread with its own event loop: the real HTTP
servers the tests put behind the hub (tests/fake_upstream.py, the agents' scripted models)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable

from aiohttp import web


class LoopbackServer:
    def __init__(self) -> None:
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self, routes: Callable[[], Iterable[web.AbstractRouteDef]], name: str) -> str:
        """Serve the routes `routes()` gives (built on the server's own loop); returns the server's URL."""
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            app = web.Application(client_max_size=64 * 1024 * 1024)
            app.add_routes(routes())
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            self.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, name=name, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self.url

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)
