"""Waiting for a request's usage record: it is written when the request settles, which may be just after
its client saw the answer end."""

from __future__ import annotations

import time

from billing.models import UsageRecord


def wait_for_record(request_id: str, seconds: float = 10) -> UsageRecord:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        record = UsageRecord.objects.filter(request_id=request_id).first()
        if record is not None:
            return record
        time.sleep(0.05)
    raise AssertionError(f"no usage record for {request_id}")
