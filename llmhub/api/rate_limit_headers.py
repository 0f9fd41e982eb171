"""OpenAI's x-ratelimit-* headers for keys with limits: the limits and what is left of them this minute."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseBase

from billing.keys import KeyIdentity
from billing.rate_limits import Headroom, headroom
from llmhub.infra.db_executor import run_db


def has_limits(identity: KeyIdentity | None) -> bool:
    return identity is not None and identity.key_id is not None and bool(identity.rpm_limit or identity.tpm_limit)


async def add_rate_limit_headers(response: HttpResponseBase, identity: KeyIdentity) -> None:
    assert identity.key_id is not None
    key_id, rpm, tpm = identity.key_id, identity.rpm_limit, identity.tpm_limit
    # In-process buckets are read in microseconds; Redis is a round trip, so off the event loop.
    if settings.REDIS_URL:
        room: Headroom = await run_db(headroom, key_id=key_id, rpm=rpm, tpm=tpm)
    else:
        room = headroom(key_id=key_id, rpm=rpm, tpm=tpm)
    if room.rpm is not None and room.requests_left is not None:
        response["x-ratelimit-limit-requests"] = str(room.rpm)
        response["x-ratelimit-remaining-requests"] = str(room.requests_left)
    if room.tpm is not None and room.tokens_left is not None:
        response["x-ratelimit-limit-tokens"] = str(room.tpm)
        response["x-ratelimit-remaining-tokens"] = str(room.tokens_left)
