"""A /v1 request's headers read straight from its META, case-insensitive as `request.headers` is.

Django's `request.headers` builds a case-insensitive copy of every header on first use, and each lookup then
rewrites the name twice; the API reads four or five headers a request, so it looks each one up in META
instead (the `HTTP_<NAME>` key Django's ASGI and test requests both fill in).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeVar, overload

from django.http import HttpRequest
from django.http.request import HttpHeaders

T = TypeVar("T")


class _MetaKeys(dict[str, str]):
    """Header name as written in the code -> its META key, worked out on first use (a few dozen names)."""

    def __missing__(self, name: str) -> str:
        key = name.upper().replace("-", "_")
        if key not in HttpHeaders.UNPREFIXED_HEADERS:
            key = HttpHeaders.HTTP_PREFIX + key
        self[name] = key
        return key


_META_KEYS = _MetaKeys()


class RequestHeaders(Mapping[str, str]):
    """The headers of a request, by any spelling of their names, without copying them."""

    __slots__ = ("_meta",)

    def __init__(self, meta: Mapping[str, Any]) -> None:
        self._meta = meta

    def __getitem__(self, name: str) -> str:
        value: str = self._meta[_META_KEYS[name]]
        return value

    @overload
    def get(self, name: str, /) -> str | None: ...
    @overload
    def get(self, name: str, default: str, /) -> str: ...
    @overload
    def get(self, name: str, default: T, /) -> str | T: ...
    def get(self, name: str, default: object = None, /) -> object:
        return self._meta.get(_META_KEYS[name], default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _META_KEYS[name] in self._meta

    def __iter__(self) -> Iterator[str]:
        for key in self._meta:
            name = HttpHeaders.parse_header_name(key)
            if name is not None:
                yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)


def headers_of(request: HttpRequest) -> RequestHeaders:
    """`request`'s headers (for `request.headers` where only a few are read)."""
    return RequestHeaders(request.META)
