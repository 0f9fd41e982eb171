"""Every write that moves money: grants, adjustments, credit holds and usage settlement.

Each function is atomic and locks the team row, so concurrent requests can never overdraw a team.
Settlement is idempotent by request id: settling the same request twice charges once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from billing.models import CreditHold, CreditLedgerEntry, Team, UsageRecord
from billing.money import ZERO, to_usd
from billing.rollups import add_to_rollup
from llmhub.errors import InsufficientCredits, InvalidRequest

HOLD_TTL = dt.timedelta(minutes=15)


@dataclass
class UsageDraft:
    """Everything known about a finished request, ready to be written as one usage record."""

    request_id: str
    user_id: int
    team_id: int
    key_id: int | None
    model_requested: str
    cost: Decimal
    status: str
    source: str = "api"
    model_served: str = ""
    provider: str = ""
    stream: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    images: int = 0
    tokens_estimated: bool = False
    upstream_cost: Decimal | None = None
    latency_ms: int = 0
    ttft_ms: int | None = None
    error_code: str = ""
    attempts: list[dict[str, Any]] = field(default_factory=list)
    route: dict[str, Any] | None = None
    cache_hit: bool = False


@dataclass(frozen=True)
class Settlement:
    usage_id: int
    charged: Decimal
    balance_after: Decimal


def _move_balance(
    team: Team, *, kind: str, amount: Decimal, memo: str = "", usage: UsageRecord | None = None, by: Any = None
) -> CreditLedgerEntry:
    """Apply a signed amount to a locked team and append the ledger row that records it."""
    team.balance = to_usd(team.balance + amount)
    Team.objects.filter(pk=team.pk).update(balance=team.balance)
    return CreditLedgerEntry.objects.create(
        team=team, kind=kind, amount=to_usd(amount), balance_after=team.balance, usage=usage, memo=memo, created_by=by
    )


def grant_credits(
    *, team: Team, amount: Decimal, memo: str = "", by: Any = None, kind: str = "grant"
) -> CreditLedgerEntry:
    """Add (or, for kind='adjust', add or remove) credits. An adjustment may not take a team below zero."""
    amount = to_usd(amount)
    if kind == CreditLedgerEntry.GRANT and amount <= ZERO:
        raise InvalidRequest("A grant must be a positive amount.", param="amount")
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        if locked.balance - locked.reserved + amount < ZERO:
            raise InvalidRequest("That adjustment would take the team below zero.", param="amount")
        entry = _move_balance(locked, kind=kind, amount=amount, memo=memo, by=by)
    team.balance = locked.balance
    return entry


def available_credits(team_id: int) -> Decimal:
    team = Team.objects.only("balance", "reserved").get(pk=team_id)
    return team.balance - team.reserved


def reserve_credits(*, team_id: int, request_id: str, amount: Decimal) -> None:
    """Hold `amount` of the team's available credits for a request, or refuse with 402."""
    amount = to_usd(amount)
    if amount <= ZERO:
        return
    with transaction.atomic():
        # One conditional UPDATE checks and takes the hold under the row lock.
        taken = Team.objects.filter(pk=team_id, balance__gte=F("reserved") + amount).update(
            reserved=F("reserved") + amount
        )
        if not taken:
            available = available_credits(team_id)
            raise InsufficientCredits(
                f"Insufficient credits: this request may cost up to ${amount} and the team has "
                f"${max(available, ZERO):.4f} available. Ask a team admin to add credits, or lower max_tokens."
            )
        CreditHold.objects.create(
            request_id=request_id, team_id=team_id, amount=amount, expires_at=timezone.now() + HOLD_TTL
        )


def settle_usage(draft: UsageDraft) -> Settlement:
    """Write the usage record, charge its cost once and release the request's hold, atomically."""
    try:
        with transaction.atomic():
            return _settle(draft)
    except IntegrityError:
        # Already settled (a retry of the same request id): report the first settlement.
        existing = UsageRecord.objects.select_related("charge").get(request_id=draft.request_id)
        return Settlement(existing.pk, -existing.charge.amount, existing.charge.balance_after)


def _settle(draft: UsageDraft) -> Settlement:
    team = Team.objects.select_for_update().only("balance", "reserved").get(pk=draft.team_id)
    held = ZERO
    hold = CreditHold.objects.filter(request_id=draft.request_id).first()
    if hold is not None:
        held = hold.amount
        hold.delete()
        team.reserved = to_usd(max(team.reserved - held, ZERO))
        Team.objects.filter(pk=team.pk).update(reserved=team.reserved)
    cost = to_usd(draft.cost)
    # Never overdraw: if the estimate under-held, charge at most what the team still has.
    charged = min(cost, max(team.balance - team.reserved, ZERO))
    record = UsageRecord.objects.create(
        request_id=draft.request_id,
        user_id=draft.user_id,
        team_id=draft.team_id,
        key_id=draft.key_id,
        source=draft.source,
        model_requested=draft.model_requested,
        model_served=draft.model_served,
        provider=draft.provider,
        stream=draft.stream,
        prompt_tokens=draft.prompt_tokens,
        completion_tokens=draft.completion_tokens,
        cached_tokens=draft.cached_tokens,
        cache_write_tokens=draft.cache_write_tokens,
        reasoning_tokens=draft.reasoning_tokens,
        images=draft.images,
        tokens_estimated=draft.tokens_estimated,
        cost=cost,
        upstream_cost=draft.upstream_cost,
        latency_ms=draft.latency_ms,
        ttft_ms=draft.ttft_ms,
        status=draft.status,
        error_code=draft.error_code,
        attempts=draft.attempts,
        route=draft.route,
        cache_hit=draft.cache_hit,
    )
    add_to_rollup(record)  # same transaction: dashboards' daily totals move with the ledger
    memo = "" if charged == cost else f"capped at available credit (cost {cost})"
    _move_balance(team, kind=CreditLedgerEntry.CHARGE, amount=-charged, memo=memo, usage=record)
    return Settlement(record.pk, charged, team.balance)


def release_expired_holds(now: dt.datetime | None = None) -> int:
    """Release holds left by a crashed process. Returns how many were released."""
    now = now or timezone.now()
    released = 0
    for hold in CreditHold.objects.filter(expires_at__lt=now).values("request_id", "team_id"):
        with transaction.atomic():
            team = Team.objects.select_for_update().get(pk=hold["team_id"])
            row = CreditHold.objects.filter(request_id=hold["request_id"]).first()
            if row is None:
                continue
            Team.objects.filter(pk=team.pk).update(reserved=to_usd(max(team.reserved - row.amount, ZERO)))
            row.delete()
            released += 1
    return released
