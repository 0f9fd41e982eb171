"""Serves the /v1 API views without Django's middleware and request-signal machinery.

API views authenticate by hub key and need no sessions, CSRF or messages. Django's full ASGI handler
(a thread context per request, sync signal receivers, middleware adapters) costs more per request than
the whole gateway on this path (bench/gateway_bench.py measures both). URL resolution, the request
object, views and responses are Django's own; only the handler around them is lean.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import uuid
from contextlib import aclosing
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.core.signals import setting_changed
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import Resolver404, ResolverMatch, resolve

from llmhub.api.formats import format_for_path
from llmhub.api.request import too_large
from llmhub.errors import HubError, InvalidRequest, NotFound
from llmhub.nul_guard import nul_at

log = logging.getLogger("llmhub.api")

API_PREFIXES = ("/v1/", "/v1beta/")


def _unused_handler(request: HttpRequest) -> HttpResponseBase:
    raise AssertionError("only the middlewares' process_response is used")


class _Probe(HttpRequest):
    def __init__(self, secure: bool) -> None:
        super().__init__()
        self._secure = secure

    def is_secure(self) -> bool:
        return self._secure


@functools.cache
def security_headers(secure: bool) -> list[tuple[str, tuple[bytes, bytes]]]:
    """The headers the pages' own security middlewares add (nosniff, referrer and opener policies,
    X-Frame-Options, and HSTS on HTTPS when HTTPS_ONLY), worked out once: running the middlewares on every
    response would cost more than the rest of the API's header handling. Each with its lower-case name."""
    probe = HttpResponse()
    for middleware in (SecurityMiddleware(_unused_handler), XFrameOptionsMiddleware(_unused_handler)):
        middleware.process_response(_Probe(secure), probe)
    skip = {"content-type"}
    return [
        (k.lower(), (k.lower().encode("ascii"), v.encode("latin1"))) for k, v in probe.items() if k.lower() not in skip
    ]


@functools.lru_cache(maxsize=256)
def _resolved(path: str) -> ResolverMatch:
    """The URL pattern `path` matches, worked out once per path (a Resolver404 is not kept)."""
    return resolve(path)


def _forget_cached(**_kwargs: Any) -> None:
    security_headers.cache_clear()
    _resolved.cache_clear()


setting_changed.connect(_forget_cached, weak=False)  # tests override settings (ROOT_URLCONF, HTTPS_ONLY)


class ClientGone(Exception):
    """The client disconnected before its request body arrived."""


async def _read_body(receive: Any, limit: int) -> tuple[io.BytesIO, bool]:
    """The request body, and whether it went past `limit` (then the rest is discarded, not kept)."""
    body, size, too_big = io.BytesIO(), 0, False
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            too_big = True
        elif chunk:
            body.write(chunk)
        if not message.get("more_body", False):
            body.seek(0)
            return body, too_big


def _render_error(path: str, exc: HubError) -> HttpResponseBase:
    """Errors raised before a view runs, in the wire format the path speaks (Anthropic, Gemini or OpenAI)."""
    return format_for_path(path).error(exc)


def _then_release_connection(view: Any) -> Any:
    """A sync view that ends as Django's request_finished would: its thread's connection closed when obsolete
    (on PostgreSQL, given back to the pool at once)."""

    @functools.wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        finally:
            close_old_connections()

    return run


async def _call_view(request: ASGIRequest) -> HttpResponseBase:
    where = nul_at(request)  # an id or parameter with a NUL: PostgreSQL would fail the lookup with a 500
    if where is not None:
        message = "The URL contains a NUL character (%00); remove it."
        param = None if where == "path" else where
        return _render_error(request.path_info, InvalidRequest(message, code="nul_character", param=param))
    try:
        match = _resolved(request.path_info)
    except Resolver404:
        return _render_error(
            request.path_info, NotFound(f"No API endpoint at {request.path_info}.", code="unknown_endpoint")
        )
    view = match.func
    try:
        if asyncio.iscoroutinefunction(view):
            return await view(request, *match.args, **match.kwargs)  # type: ignore[no-any-return]  # resolve() types views as returning Any
        return await sync_to_async(_then_release_connection(view))(request, *match.args, **match.kwargs)  # type: ignore[no-any-return]  # as above
    except HubError as exc:
        return _render_error(request.path_info, exc)
    except Exception:
        log.exception("unhandled error in %s", request.path_info)
        return _render_error(request.path_info, HubError("The hub failed unexpectedly; the error was logged."))


async def _send_response(request: HttpRequest, response: HttpResponseBase, send: Any) -> None:
    if "x-request-id" not in response.headers:
        # Every answer names itself, errors and GETs included, so a failed call can be looked up and
        # SDKs fill in their error's request id.
        response["x-request-id"] = "req_" + uuid.uuid4().hex
    # Each header's name and value were checked as latin-1 when they were set.
    items = list(response.items())
    present = {name.lower() for name, _ in items}
    headers = [(name.encode("ascii"), value.encode("latin1")) for name, value in items]
    headers += [header for name, header in security_headers(request.is_secure()) if name not in present]
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    if response.streaming:
        async with aclosing(aiter(response)) as content:  # type: ignore[arg-type, var-annotated]  # streaming responses are async iterables
            async for part in content:
                if part:
                    await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body"})
    else:
        await send({"type": "http.response.body", "body": response.content})  # type: ignore[attr-defined]  # not streaming: an HttpResponse


async def _wait_for_disconnect(receive: Any) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def api_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    try:
        body, too_big = await _read_body(receive, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    except ClientGone:
        return
    request = ASGIRequest(scope, body)
    if too_big:
        await _send_response(request, _render_error(scope["path"], too_large()), send)
        return

    async def respond() -> HttpResponseBase:
        response = await _call_view(request)
        try:
            await _send_response(request, response, send)
        finally:
            response.close()
        return response

    # As Django's handler does: a client that leaves cancels the view or the stream it is reading.
    work = asyncio.ensure_future(respond())
    watcher = asyncio.ensure_future(_wait_for_disconnect(receive))
    await asyncio.wait([work, watcher], return_when=asyncio.FIRST_COMPLETED)
    for task in (watcher, work):
        if not task.done():
            task.cancel()
        try:
            await task
        except (asyncio.CancelledError, OSError):
            pass
