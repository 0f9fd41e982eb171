"""Checks on a decoded JSON body that every wire format needs: no lone surrogate in any string (it
cannot be encoded to send upstream or to store) and no NUL character (PostgreSQL cannot store one, and no
model needs one), named by where it is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from llmhub.errors import InvalidRequest


def check_text(raw: bytes, body: Any) -> None:
    """400 naming the field when a string holds a lone surrogate (only a `\\ud8..`-style escape makes one) or
    a NUL (only `\\u0000` makes one)."""
    if b"\\ud" in raw or b"\\uD" in raw:
        where = _surrogate_at(body, "")
        if where is not None:
            field = where.lstrip(".") or "(body)"
            raise InvalidRequest(f"'{field}' contains an unpaired UTF-16 surrogate; send valid Unicode.", param=field)
    if b"\\u0000" not in raw:  # JSON can carry a NUL only escaped (a raw one is not JSON)
        return
    where = _bad_string_at(body, "", _holds_nul)
    if where is not None:
        field = where.lstrip(".") or "(body)"
        raise InvalidRequest(f"'{field}' contains a NUL character (\\u0000); remove it.", param=field)


def _unencodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _holds_nul(value: str) -> bool:
    return "\x00" in value


def _surrogate_at(value: Any, path: str) -> str | None:
    return _bad_string_at(value, path, _unencodable)


def _bad_string_at(value: Any, path: str, bad: Callable[[str], bool]) -> str | None:
    """Where the first string (key or value) for which `bad` is true stands, as a dotted path."""
    if isinstance(value, str):
        return path if bad(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _bad_string_at(key, path, bad) or _bad_string_at(item, f"{path}.{key}", bad)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _bad_string_at(item, f"{path}[{index}]", bad)
            if found is not None:
                return found
    return None
