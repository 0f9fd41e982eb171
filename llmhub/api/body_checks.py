"""Checks on a decoded JSON body that every wire format needs: no lone surrogate in any string (it
cannot be encoded to send upstream or to store), named by where it is."""

from __future__ import annotations

from typing import Any

from llmhub.errors import InvalidRequest


def check_text(raw: bytes, body: Any) -> None:
    """400 naming the field when a string holds a lone surrogate (only a `\\ud8..`-style escape makes one)."""
    if b"\\ud" not in raw and b"\\uD" not in raw:
        return
    where = _surrogate_at(body, "")
    if where is not None:
        field = where.lstrip(".") or "(body)"
        raise InvalidRequest(f"'{field}' contains an unpaired UTF-16 surrogate; send valid Unicode.", param=field)


def _surrogate_at(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _surrogate_at(key, path) or _surrogate_at(item, f"{path}.{key}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _surrogate_at(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None
