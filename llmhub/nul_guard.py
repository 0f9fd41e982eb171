"""Pages refuse a NUL character in the path, the query or a submitted form with a 400: PostgreSQL cannot store
or even compare one, so it would otherwise surface as a 500 from whichever query met it first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponseBase, QueryDict


def holds_nul(request: HttpRequest) -> bool:
    """Whether the path, a query parameter or a form field (name or value) holds a NUL character."""
    return nul_at(request) is not None


def nul_at(request: HttpRequest) -> str | None:
    """Where a NUL character is: "path", or the query parameter or form field that holds one (None: nowhere)."""
    if "\x00" in request.path_info:
        return "path"
    forms: list[QueryDict] = [request.GET] if request.META.get("QUERY_STRING") else []
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        forms.append(request.POST)
    for form in forms:
        for key in form:
            if "\x00" in key or any("\x00" in value for value in form.getlist(key)):
                return key.replace("\x00", "")
    return None


class RefuseNulCharacters:
    """Middleware: a request holding a NUL character is a 400 (Django's bad-request page) before any view."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.is_async:
            return self._acall(request)
        if holds_nul(request):
            raise BadRequest("A NUL character in the request.")
        return self.get_response(request)  # type: ignore[no-any-return]

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        if holds_nul(request):
            raise BadRequest("A NUL character in the request.")
        return await self.get_response(request)  # type: ignore[no-any-return]
