"""The page language for websockets (LocaleMiddleware covers HTTP only): the language cookie, then
Accept-Language, activated for the whole connection; and carried into database threads."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, parse_cookie
from django.utils import translation

T = TypeVar("T")


def language_of_scope(scope: dict[str, Any]) -> str:
    """What LocaleMiddleware would pick for an HTTP request with the same headers."""
    request = HttpRequest()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            request.COOKIES.update(parse_cookie(value.decode("latin-1")))
        elif name == b"accept-language":
            request.META["HTTP_ACCEPT_LANGUAGE"] = value.decode("latin-1")
    return translation.get_language_from_request(request)


class LanguageFromScope:
    """ASGI middleware: messages made while serving this connection (errors, notices) are in its language."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        with translation.override(language_of_scope(scope)):
            return await self.inner(scope, receive, send)


def in_current_language(fn: Callable[..., T]) -> Callable[..., T]:
    """`fn` run (in another thread, e.g. by run_db) in the language active where it was wrapped."""
    language = translation.get_language()

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> T:
        with translation.override(language):
            return fn(*args, **kwargs)

    return run
