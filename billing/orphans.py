"""Requests whose process died: their holds carry the metering facts (checkpointed while they streamed), and
the sweep settles each one once, as an `interrupted` usage record charged for the prompt and that output."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from billing.ledger import UsageDraft, hold_max_age, hold_ttl, release_hold, settle_usage
from billing.models import CreditHold, UsageRecord
from billing.money import to_usd

# A hold renewal names at most this many requests per statement (bind-parameter limits).
_RENEW_BATCH = 500


def checkpoint_hold(
    *,
    request_id: str,
    completion_tokens: int,
    cost: Decimal,
    model_served: str,
    provider: str,
    now: dt.datetime | None = None,
) -> int:
    """Record a live request's output so far (and its price) on its hold, and renew the hold. Returns rows
    updated: 0 once the request has settled. One UPDATE of one row: cheap enough to run every second."""
    now = now or timezone.now()
    with transaction.atomic():
        return CreditHold.objects.filter(request_id=request_id).update(
            completion_tokens=completion_tokens,
            cost=to_usd(cost),
            model_served=model_served,
            provider=provider,
            seen_at=now,
            expires_at=now + hold_ttl(),
        )


def renew_holds(request_ids: Collection[str], now: dt.datetime | None = None) -> int:
    """The heartbeat of a worker's live requests (long silent streams included): push their expiry out.

    Not past HOLD_MAX_AGE_SECONDS: a hold that old belongs to a request that never settled (a leak), and left to
    expire it is settled by the sweep."""
    now = now or timezone.now()
    ids = list(request_ids)
    renewed = 0
    for start in range(0, len(ids), _RENEW_BATCH):
        with transaction.atomic():
            renewed += CreditHold.objects.filter(
                request_id__in=ids[start : start + _RENEW_BATCH], created_at__gte=now - hold_max_age()
            ).update(seen_at=now, expires_at=now + hold_ttl())
    return renewed


def orphan_draft(hold: CreditHold, now: dt.datetime) -> UsageDraft:
    """The usage record an orphaned hold settles as: what it metered, at most what it held."""
    assert hold.user_id is not None
    seen = hold.seen_at or hold.created_at
    return UsageDraft(
        request_id=hold.request_id,
        user_id=hold.user_id,
        team_id=hold.team_id,
        key_id=hold.key_id,
        source=hold.source,
        model_requested=hold.model_requested,
        model_served=hold.model_served,
        provider=hold.provider,
        stream=hold.stream,
        prompt_tokens=hold.prompt_tokens,
        completion_tokens=hold.completion_tokens,
        tokens_estimated=True,
        cost=min(to_usd(hold.cost), to_usd(hold.amount)),
        latency_ms=max(0, int((seen - hold.created_at).total_seconds() * 1000)),
        status=UsageRecord.INTERRUPTED,
        error_code="process_died",
        client_tool=hold.client_tool,
        dropped=hold.dropped,
    )


def settle_expired_holds(now: dt.datetime | None = None) -> int:
    """Settle every hold past its expiry (its process died) exactly once; returns how many were settled.

    A hold from before holds carried their metering (no user) can only be released. Settlement is
    idempotent by request id, so two workers sweeping at once, or the request settling meanwhile, still
    leave one usage record and one charge.
    """
    now = now or timezone.now()
    settled = 0
    for hold in CreditHold.objects.filter(expires_at__lt=now):
        if hold.user_id is None:
            settled += release_hold(hold.request_id)
            continue
        settle_usage(orphan_draft(hold, now), now=now)
        settled += 1
    return settled
