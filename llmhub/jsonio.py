"""JSON for the wire: Decimal amounts are written as exact JSON numbers, never through float."""

from __future__ import annotations

from typing import Any

import simplejson


def dumps(value: Any) -> str:
    return simplejson.dumps(value, use_decimal=True, separators=(",", ":"), ensure_ascii=False)


def dumps_bytes(value: Any) -> bytes:
    return dumps(value).encode()


def loads(data: str | bytes) -> Any:
    return simplejson.loads(data, use_decimal=False)
