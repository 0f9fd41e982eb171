"""When to try an upstream again, and how long to wait first."""

from __future__ import annotations

from django.conf import settings

MAX_WAIT = 2.0


def backoff_delay(attempt: int, retry_after: float | None) -> float | None:
    """Seconds to wait before attempt `attempt + 1`, or None when waiting is not worth it.

    An upstream that asks us to wait longer than MAX_WAIT is skipped for the next target instead.
    """
    if retry_after is not None:
        return retry_after if retry_after <= MAX_WAIT else None
    return min(MAX_WAIT, float(settings.UPSTREAM_RETRY_BACKOFF) * 2.0**attempt)
