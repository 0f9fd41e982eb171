"""Every write that moves money: grants, adjustments, credit holds and usage settlement.

Each function is atomic and locks the team row first (then any budget counters), so concurrent requests
can never overdraw a team nor overshoot a budget, and lock order is the same everywhere (no deadlocks).
Holds and settlement are idempotent by request id: settling the same request twice charges once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from billing import alerts, budgets
from billing import ledger_rows as rows
from billing.models import CreditHold, CreditLedgerEntry, Team, UsageRecord
from billing.money import ZERO, to_usd
from billing.refusal_wording import insufficient_credits_message
from billing.rollups import add_to_rollup
from llmhub.errors import InsufficientCredits, InvalidRequest


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
    tokens_clamped: bool = False
    upstream_cost: Decimal | None = None
    price_version: int = 0  # the model's price version `cost` was priced at
    latency_ms: int = 0
    ttft_ms: int | None = None
    error_code: str = ""
    attempts: list[dict[str, Any]] = field(default_factory=list)
    route: dict[str, Any] | None = None
    cache_hit: bool = False
    client_tool: str = ""  # the tool that sent it (billing/client_tools.py)
    dropped: str = ""  # what the client asked for that the serving upstream did not get, comma-separated
    created_at: dt.datetime | None = None  # set when settled


@dataclass(frozen=True)
class Settlement:
    """What settling a request wrote: its usage record, the amount charged, the balance after, the tokens."""

    usage_id: int
    charged: Decimal
    balance_after: Decimal
    prompt_tokens: int = 0
    completion_tokens: int = 0


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
        before = locked.balance
        entry = _move_balance(locked, kind=kind, amount=amount, memo=memo, by=by)
        alerts.note_balance_change(locked, before, entry)
    team.balance = locked.balance
    return entry


@dataclass(frozen=True)
class HoldMeter:
    """A request's metering facts written with its hold, so a crash after admission still leaves a record."""

    source: str = "api"
    model_requested: str = ""
    model_served: str = ""  # the first model of the chain; a checkpoint corrects it after a fallback
    provider: str = ""
    stream: bool = False
    prompt_tokens: int = 0
    cost: Decimal = ZERO  # the prompt, priced: what a request that dies before any output still owes
    client_tool: str = ""
    dropped: str = ""  # as UsageDraft.dropped, for the first upstream of the chain


def hold_ttl() -> dt.timedelta:
    """How long a hold lives unless renewed. A live request renews it (checkpoints while it streams, and its
    worker's heartbeat every sweep interval), so the TTL need not outlive the longest request: at least two
    sweep intervals, so one late heartbeat never lets a live hold lapse."""
    return dt.timedelta(seconds=max(settings.HOLD_TTL_SECONDS, 2 * settings.HOLD_SWEEP_INTERVAL_SECONDS))


def hold_max_age() -> dt.timedelta:
    """Longer than any request lives: a hold older than this leaked (see HOLD_MAX_AGE_SECONDS)."""
    return dt.timedelta(seconds=settings.HOLD_MAX_AGE_SECONDS)


def reserve_credits(
    *,
    team_id: int,
    request_id: str,
    amount: Decimal,
    user_id: int | None = None,
    key_id: int | None = None,
    meter: HoldMeter | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Hold `amount` of the team's credits and of every budget the request counts against, or refuse with 402.

    One transaction under the team's row lock: the credit check, the budget checks (holds in flight
    included) and the hold itself, so concurrent requests can overshoot neither. Idempotent by request id.
    Free requests (amount 0) take no hold and are never blocked by a dollar budget.
    """
    amount = to_usd(amount)
    if amount <= ZERO:
        return
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        # The row lock (SQLite: the IMMEDIATE transaction's write lock) serialises everything below per team.
        balance, reserved, _ = rows.lock_team(cursor, team_id)
        if rows.hold_exists(cursor, request_id):
            return  # this request already holds its credits
        available = balance - reserved
        if available < amount:
            raise InsufficientCredits(
                insufficient_credits_message(hold=amount, available=available), available=available, hold=amount
            )
        spend_ids = budgets.hold_against_budgets(
            budgets.budgets_for(team_id=team_id, user_id=user_id, key_id=key_id), amount, now
        )
        rows.set_team_money(cursor, team_id, balance=balance, reserved=to_usd(reserved + amount))
        rows.insert_hold(
            cursor, request_id=request_id, team_id=team_id, amount=amount, now=now, expires_at=now + hold_ttl(),
            budget_spends=spend_ids, user_id=user_id, key_id=key_id, meter=meter or HoldMeter(),
        )  # fmt: skip


def settle_usage(draft: UsageDraft, *, now: dt.datetime | None = None) -> Settlement:
    """Write the usage record, charge its cost once and release the request's hold, atomically.

    Idempotent by request id: a second settlement of the same request returns the first one.
    """
    try:
        with transaction.atomic():
            return _settle(draft, now or timezone.now())
    except IntegrityError:
        # The unique request id refused a second record (and with it the second charge): all rolled back.
        if not UsageRecord.objects.filter(request_id=draft.request_id).exists():
            raise
        return _existing_settlement(draft.request_id)


def _existing_settlement(request_id: str) -> Settlement:
    existing = UsageRecord.objects.select_related("charge").get(request_id=request_id)
    return Settlement(
        existing.pk, -existing.charge.amount, existing.charge.balance_after, existing.prompt_tokens,
        existing.completion_tokens,
    )  # fmt: skip


def _release_hold(team: Team, hold: CreditHold) -> None:
    """Give back a hold's credits on a locked team (its budget counters are the caller's to release)."""
    team.reserved = to_usd(max(team.reserved - hold.amount, ZERO))
    Team.objects.filter(pk=team.pk).update(reserved=team.reserved)
    hold.delete()


def settled_draft(draft: UsageDraft, cost: Decimal, now: dt.datetime) -> UsageDraft:
    """A copy of `draft` with its quantised cost and settlement time (the caller's draft is left as it was).

    Copied attribute dictionary and all, as `dataclasses.replace` would, without calling every field's getter
    and the generated __init__ (this runs on every request)."""
    settled = UsageDraft.__new__(UsageDraft)
    settled.__dict__.update(draft.__dict__)
    settled.cost, settled.created_at = cost, now
    return settled


def _settle(draft: UsageDraft, now: dt.datetime) -> Settlement:
    # A second settlement of the same request fails on the unique request id (settle_usage handles it).
    with connection.cursor() as cursor:
        balance, reserved, threshold = rows.lock_team(cursor, draft.team_id)
        taken = rows.take_hold(cursor, draft.request_id)
        held, held_ids = taken if taken is not None else (ZERO, [])
        reserved = to_usd(max(reserved - held, ZERO))
        cost = to_usd(draft.cost)
        # Never overdraw: if the estimate under-held, charge at most what the team still has.
        charged = min(cost, max(balance - reserved, ZERO))
        settled = settled_draft(draft, cost, now)
        usage_id = rows.insert_usage(cursor, settled)
        add_to_rollup(cursor, settled)  # same transaction: dashboards' daily totals move with the ledger
        memo = "" if charged == cost else f"capped at available credit (cost {cost})"
        before, after = balance, to_usd(balance - charged)
        rows.set_team_money(cursor, draft.team_id, balance=after, reserved=reserved)
        entry_id = rows.insert_charge(
            cursor, team_id=draft.team_id, amount=to_usd(-charged), balance_after=after, usage_id=usage_id, memo=memo,
            now=now,
        )  # fmt: skip
    counted = budgets.budgets_for(team_id=draft.team_id, user_id=draft.user_id, key_id=draft.key_id)
    crossings = budgets.settle_budgets(counted, held_ids=held_ids, held=held, charged=charged, now=now)
    alerts.note_budget_crossings(crossings, now)
    if threshold is not None:
        team = Team(pk=draft.team_id, balance=after, reserved=reserved, low_balance_threshold=threshold)
        entry = CreditLedgerEntry(
            id=entry_id, team_id=draft.team_id, kind=CreditLedgerEntry.CHARGE, amount=to_usd(-charged),
            balance_after=after, usage_id=usage_id, memo=memo, created_at=now,
        )  # fmt: skip
        alerts.note_balance_change(team, before, entry)
    return Settlement(usage_id, charged, after, draft.prompt_tokens, draft.completion_tokens)


def release_hold(request_id: str) -> bool:
    """Release a request's hold without charging (it was admitted but never called). False if none."""
    hold = CreditHold.objects.filter(request_id=request_id).values("team_id").first()
    if hold is None:
        return False
    with transaction.atomic():
        team = Team.objects.select_for_update().only("reserved").get(pk=hold["team_id"])
        row = CreditHold.objects.filter(request_id=request_id).first()
        if row is None:
            return False
        _release_hold(team, row)
        budgets.release_budget_holds(row.budget_spends, row.amount)
    return True


def release_expired_holds(now: dt.datetime | None = None) -> int:
    """Release holds left by a crashed process (past their TTL). Returns how many were released."""
    now = now or timezone.now()
    released = 0
    for request_id in CreditHold.objects.filter(expires_at__lt=now).values_list("request_id", flat=True):
        # release_hold re-reads under the lock: the request may have settled since the list was taken.
        released += release_hold(request_id)
    return released
