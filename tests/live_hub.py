"""The hub served for real on loopback (uvicorn in a thread), for tests that need HTTP end to end.

`served` lists every response the hub started (method, path, status, headers), so a test driving a real
client can check what the client asked for and what it got without trusting the client's own account.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from typing import Any

import uvicorn


@dataclass
class Served:
    method: str
    path: str
    status: int
    request_id: str
    user_agent: str
    headers: dict[str, str]  # the response's, names in lower case
    error_body: str = ""  # the start of the body when the status is not 2xx


def recording(app: Any, served: list[Served]) -> Any:
    """`app` wrapped so that each HTTP response it starts is appended to `served`."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        this: list[Served] = []

        async def observe(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message.get("headers", [])}
                agent = dict(scope.get("headers") or []).get(b"user-agent", b"").decode("latin-1")
                request_id = headers.get("x-request-id", "")
                this.append(Served(scope["method"], scope["path"], message["status"], request_id, agent, headers))
                served.append(this[0])
            elif message["type"] == "http.response.body" and this and this[0].status >= 300:
                this[0].error_body += bytes(message.get("body", b""))[:2000].decode("utf-8", "replace")
            await send(message)

        await app(scope, receive, observe)

    return wrapped


class LiveHub:
    def __init__(self) -> None:
        self.url = ""
        self.served: list[Served] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, wrap: Any = None) -> LiveHub:
        """Serve the hub; `wrap(app)`, when given, returns the ASGI app served around it (a recorder, say)."""
        from llmhub.asgi import application

        config = uvicorn.Config(
            recording(wrap(application) if wrap else application, self.served),
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
