"""The hub served for real on loopback (uvicorn in a thread), for tests that need HTTP end to end."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import uvicorn


class LiveHub:
    def __init__(self) -> None:
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, wrap: Any = None) -> LiveHub:
        """Serve the hub; `wrap(app)`, when given, returns the ASGI app served around it (a recorder, say)."""
        from llmhub.asgi import application

        config = uvicorn.Config(
            wrap(application) if wrap else application,
            host="127.0.0.1",
            port=0,
            loop="asyncio",
            lifespan="off",
            log_level="warning",
        )
        self._server = server = uvicorn.Server(config)

        async def serve_then_close() -> None:
            from llmhub.infra.http_client import close_client

            await server.serve()
            await close_client()

        def serve() -> None:
            asyncio.run(serve_then_close())

        self._thread = threading.Thread(target=serve, name="live-hub", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
