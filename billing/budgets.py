"""Budgets: spend limits per key, user or team over calendar periods in the hub's time zone, or in total.

Spend and in-flight holds are kept in per-period counters (`BudgetSpend`), moved only by billing.ledger
while it holds the team's row lock, so a check is a few indexed reads however many usage records exist.
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from billing import cache_generations
from billing.display import usd_text
from billing.models import Budget, BudgetSpend
from billing.money import ZERO, to_usd
from llmhub.errors import InsufficientCredits

# A total budget has one everlasting period, keyed by this start.
TOTAL_PERIOD_START = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class BudgetExceeded(InsufficientCredits):
    code = "budget_exceeded"

    # The facts behind the words, for the chat's own wording (chat/refusal_view.py); set by budget_exceeded().
    budget: Budget
    spent: Decimal
    reserved: Decimal
    resets_at: dt.datetime | None


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime | None  # None: a total budget, which never resets


def hub_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _local_midnight(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone)


def period_of(period: str, now: dt.datetime) -> Period:
    """The calendar period containing `now`: days, ISO weeks (from Monday) and months start at local midnight."""
    zone = hub_zone()
    today = now.astimezone(zone).date()
    if period == Budget.TOTAL:
        return Period(TOTAL_PERIOD_START, None)
    if period == Budget.DAILY:
        first, after = today, today + dt.timedelta(days=1)
    elif period == Budget.WEEKLY:
        first = today - dt.timedelta(days=today.weekday())
        after = first + dt.timedelta(days=7)
    elif period == Budget.MONTHLY:
        first = today.replace(day=1)
        after = (first + dt.timedelta(days=32)).replace(day=1)
    else:
        raise ValueError(f"unknown budget period {period!r}")
    # Stored in UTC so the counter's key does not depend on how the database renders time zones.
    return Period(_local_midnight(first, zone).astimezone(dt.UTC), _local_midnight(after, zone).astimezone(dt.UTC))


# Teams with at least one active budget, so the hot path skips the budget query for every other team.
# Rebuilt when a budget is saved in this process; after a change in another worker within a second with
# Redis (billing/cache_generations.py), else within BUDGETED_TEAMS_TTL seconds.
BUDGETED_TEAMS_TTL = 5.0
_budgeted_teams: tuple[frozenset[int], float] | None = None


def _teams_with_budgets() -> frozenset[int]:
    global _budgeted_teams
    now = time.monotonic()
    if _budgeted_teams is None or now - _budgeted_teams[1] > BUDGETED_TEAMS_TTL:
        teams = frozenset(Budget.objects.filter(is_active=True).values_list("team_id", flat=True).distinct())
        _budgeted_teams = (teams, now)
    return _budgeted_teams[0]


def known_teams_with_budgets() -> frozenset[int] | None:
    """The teams with an active budget as this process knows them now, or None if that needs a query (the
    list is older than BUDGETED_TEAMS_TTL, or a budget was saved since): for callers that must not block."""
    cached = _budgeted_teams
    if cached is None or time.monotonic() - cached[1] > BUDGETED_TEAMS_TTL:
        return None
    return cached[0]


def forget_budgeted_teams(*_args: object, **_kwargs: object) -> None:
    global _budgeted_teams
    _budgeted_teams = None


def budgets_changed(*_args: object, **_kwargs: object) -> None:
    """A budget was saved or deleted here: forget this process's list, and tell the other workers (Redis)."""
    forget_budgeted_teams()
    cache_generations.bump("budgets")


cache_generations.watch("budgets", forget_budgeted_teams)
post_save.connect(budgets_changed, sender=Budget, dispatch_uid="budgeted-teams-save")
post_delete.connect(budgets_changed, sender=Budget, dispatch_uid="budgeted-teams-delete")


def budgets_for(*, team_id: int, user_id: int | None, key_id: int | None) -> list[Budget]:
    """The active budgets a request by this user with this key is counted against."""
    if team_id not in _teams_with_budgets():
        return []
    scope = Q(user__isnull=True, key__isnull=True)
    if user_id is not None:
        scope |= Q(user_id=user_id, key__isnull=True)
    if key_id is not None:
        scope |= Q(key_id=key_id)
    return list(
        Budget.objects.filter(scope, team_id=team_id, is_active=True)
        .select_related("team", "user", "key")
        .order_by("pk")
    )


def _current_rows(budgets: Iterable[Budget], now: dt.datetime) -> list[tuple[Budget, Period, BudgetSpend]]:
    """Lock the counter row of each budget's current period (one query), creating any that are missing.

    The caller holds the team's row lock, so no other writer can create these rows meanwhile.
    """
    wanted = [(budget, period_of(budget.period, now)) for budget in budgets]
    if not wanted:
        return []
    match = Q()
    for budget, period in wanted:
        match |= Q(budget_id=budget.pk, period_start=period.start)
    found = {(row.budget_id, row.period_start): row for row in BudgetSpend.objects.select_for_update().filter(match)}
    rows = []
    for budget, period in wanted:
        row = found.get((budget.pk, period.start))
        if row is None:  # the first request of a period
            row = BudgetSpend.objects.create(budget=budget, period_start=period.start)
        rows.append((budget, period, row))
    return rows


def hold_against_budgets(budgets: Iterable[Budget], amount: Decimal, now: dt.datetime) -> list[int]:
    """Count `amount` in flight against every budget, or raise 402 naming the first it would exceed.

    Returns the ids of the counter rows held, which the credit hold remembers for its release.
    """
    rows = _current_rows(budgets, now)
    for budget, period, row in rows:
        # A soft budget only alerts: its holds are counted, but it never refuses.
        if budget.is_hard and row.spent + row.reserved + amount > budget.amount:
            raise budget_exceeded(budget, period, row, amount, now)
    for _, _, row in rows:
        BudgetSpend.objects.filter(pk=row.pk).update(reserved=to_usd(row.reserved + amount))
    return [row.pk for _, _, row in rows]


def release_budget_holds(spend_ids: Iterable[int], amount: Decimal) -> None:
    """Give back what a credit hold counted in flight against its budgets (the sweep)."""
    spend_ids = list(spend_ids)
    if not spend_ids:
        return
    for row in BudgetSpend.objects.select_for_update().filter(pk__in=spend_ids):
        BudgetSpend.objects.filter(pk=row.pk).update(reserved=to_usd(max(row.reserved - amount, ZERO)))


@dataclass(frozen=True)
class Crossing:
    """A budget whose soft threshold this charge crossed in this period."""

    budget: Budget
    period: Period
    spent: Decimal
    threshold: Decimal


def settle_budgets(
    budgets: Iterable[Budget], *, held_ids: Iterable[int], held: Decimal, charged: Decimal, now: dt.datetime
) -> list[Crossing]:
    """Release a request's hold from its counters and add its charge to the current periods' spend.

    Usually the same rows (one update each); they differ when a period ended while the request ran.
    Returns the soft thresholds this charge crossed.
    """
    held_ids = set(held_ids)
    current = _current_rows(budgets, now) if charged > ZERO else []
    crossings = []
    for budget, period, row in current:
        spent = to_usd(row.spent + charged)
        reserved = to_usd(max(row.reserved - held, ZERO)) if row.pk in held_ids else row.reserved
        BudgetSpend.objects.filter(pk=row.pk).update(spent=spent, reserved=reserved)
        if budget.alert_at_percent:
            threshold = to_usd(budget.amount * budget.alert_at_percent / Decimal(100))
            if row.spent < threshold <= spent:
                crossings.append(Crossing(budget, period, spent, threshold))
    release_budget_holds(held_ids - {row.pk for _, _, row in current}, held)
    return crossings


def spent_this_period(budget: Budget, now: dt.datetime) -> tuple[Decimal, Decimal]:
    """(spent, held in flight) for the budget's current period: one indexed read."""
    row = BudgetSpend.objects.filter(budget=budget, period_start=period_of(budget.period, now).start).first()
    return (row.spent, row.reserved) if row else (ZERO, ZERO)


# --- wording -------------------------------------------------------------------------------------


usd = usd_text  # the one wording of money in sentences (billing.display)


def describe(budget: Budget) -> str:
    """e.g. "the monthly budget of $50.00 for team acme", "alice's monthly cap of $5.00 on team acme"."""
    what = budget.period if budget.period != Budget.TOTAL else "total"
    name = f" '{budget.name}'" if budget.name else ""
    if budget.scope == "user":
        return f"{budget.scope_name}'s {what} cap{name} of {usd(budget.amount)} on team {budget.team.slug}"
    if budget.scope == "team":
        whom = f"team {budget.team.slug}"
    else:
        whom = f"{budget.scope} {budget.scope_name} (team {budget.team.slug})"
    return f"the {what} budget{name} of {usd(budget.amount)} for {whom}"


def _in_words(delta: dt.timedelta) -> str:
    minutes = max(1, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in ((days, "day"), (hours, "hour")) if n]
    if not days and minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def resets_wording(period: Period, now: dt.datetime) -> str:
    if period.end is None:
        return "It is a total budget and does not reset."
    local = period.end.astimezone(hub_zone())
    return (
        f"It resets at {local.isoformat()} (midnight at the start of {local:%A} {local.day} {local:%B %Y}, "
        f"{settings.TIME_ZONE}; in {_in_words(period.end - now)})."
    )


def budget_exceeded(
    budget: Budget, period: Period, row: BudgetSpend, amount: Decimal, now: dt.datetime
) -> BudgetExceeded:
    message = (
        f"Budget exceeded: {describe(budget)} does not cover this request. "
        f"{usd(to_usd(row.spent))} is spent and {usd(to_usd(row.reserved))} held for requests in flight; "
        f"this request may cost up to {usd(amount)}. {resets_wording(period, now)} "
        f"Ask a team admin to raise the {'cap' if budget.scope == 'user' else 'budget'} (on the team's credits "
        "page), or lower max_tokens."
    )
    retry_after = (period.end - now).total_seconds() if period.end else None
    refused = BudgetExceeded(message, retry_after=retry_after, hold=amount)
    refused.budget, refused.resets_at = budget, period.end
    refused.spent, refused.reserved = to_usd(row.spent), to_usd(row.reserved)
    return refused
