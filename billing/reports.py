"""Spend aggregates for the dashboards, read from the daily rollups (never a scan of the usage ledger)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from billing.client_tools import TOOLS, tool_label
from billing.models import HubKey, Membership, Team, UsageDailyRollup
from billing.money import ZERO, to_usd
from billing.rollups import SUM_COLUMNS, Sums, hub_day

DIMENSIONS = {
    "team": "team_id",
    "user": "user_id",
    "model": "model",
    "provider": "provider",
    "key": "key_id",
    "tool": "client_tool",
}
_NARROWING = ("team_id", "user_id", "key_id", "model", "provider", "client_tool")


@dataclass(frozen=True)
class SpendFilter:
    """A date range (inclusive, hub time zone) narrowed by any of team, user, key, model, provider and the tool
    that sent the requests (billing/client_tools.py)."""

    start: dt.date
    end: dt.date
    team_id: int | None = None
    user_id: int | None = None
    key_id: int | None = None
    model: str = ""
    provider: str = ""
    client_tool: str = ""

    @classmethod
    def last_days(cls, days: int, **narrow: Any) -> SpendFilter:
        today = hub_day(timezone.now())
        return cls(start=today - dt.timedelta(days=days - 1), end=today, **narrow)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def with_tool(self, tool: str) -> SpendFilter:
        """The same range narrowed to one client tool; unchanged for a value that names no tool."""
        return dataclasses.replace(self, client_tool=tool) if tool in TOOLS else self

    def rollup_q(self) -> Q:
        q = Q(day__gte=self.start, day__lte=self.end)
        for name in _NARROWING:
            if getattr(self, name):
                q &= Q(**{name: getattr(self, name)})
        return q

    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        """[since, until): the range as moments, from midnight of the first day in the hub's time zone."""
        zone = timezone.get_default_timezone()
        since = dt.datetime.combine(self.start, dt.time.min, tzinfo=zone)
        return since, dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)

    def people_q(self, since_field: str = "created_at") -> Q:
        """The range and the team, user and key narrowing, for tables keyed by those alone (refusals)."""
        since, until = self.moments()
        q = Q(**{f"{since_field}__gte": since, f"{since_field}__lt": until})
        for name in ("team_id", "user_id", "key_id"):
            if getattr(self, name):
                q &= Q(**{name: getattr(self, name)})
        return q

    def record_q(self, *, dated: bool = True) -> Q:
        """The same selection over usage records (model as rollups key it: served, else requested); without
        the date range when `dated` is False (for a caller that writes the range itself)."""
        since, until = self.moments()
        q = Q(created_at__gte=since, created_at__lt=until) if dated else Q()
        for name in ("team_id", "user_id", "key_id", "provider", "client_tool"):
            if getattr(self, name):
                q &= Q(**{name: getattr(self, name)})
        if self.model:
            q &= Q(model_served=self.model) | Q(model_served="", model_requested=self.model)
        return q


@dataclass(frozen=True)
class BreakdownRow:
    key: Any
    label: str
    requests: int
    tokens: int
    cost: Decimal
    extra: dict[str, Any] = field(default_factory=dict)


def _rollups(spend: SpendFilter) -> QuerySet[UsageDailyRollup]:
    return UsageDailyRollup.objects.filter(spend.rollup_q()).order_by()


_SUMS = {name: Sum(name) for name in SUM_COLUMNS}
MONEY_COLUMNS = ("cost", "savings")


def _totals_from(row: dict[str, Any]) -> Sums:
    """A rollup aggregate row as Sums (missing sums are zero; money quantised)."""
    sums: dict[str, Any] = {
        name: to_usd(row[name] or ZERO) if name in MONEY_COLUMNS else row[name] or 0 for name in SUM_COLUMNS
    }
    return Sums(**sums)


def spend_totals(spend: SpendFilter) -> Sums:
    return _totals_from(_rollups(spend).aggregate(**_SUMS))


def daily_spend(spend: SpendFilter) -> list[tuple[dt.date, Decimal]]:
    """Cost per day over the whole range, days without usage included as zero."""
    by_day = {row["day"]: to_usd(row["cost"]) for row in _rollups(spend).values("day").annotate(cost=Sum("cost"))}
    return [(day, by_day.get(day, ZERO)) for day in (spend.start + dt.timedelta(n) for n in range(spend.days))]


OTHER_MODELS = ""  # the key of the "other" series in daily_spend_by_model


@dataclass(frozen=True)
class StackedDays:
    """Cost per day per series (the top models, then OTHER_MODELS for the rest when there is any)."""

    series: list[str]
    days: list[tuple[dt.date, dict[str, Decimal]]]


def daily_spend_by_model(spend: SpendFilter, top: int = 5) -> StackedDays:
    """Cost per day of the `top` costliest models of the range, the rest summed as one "other" series; every
    day of the range present; each day's parts add up to that day's spend (one grouped read of the rollups)."""
    cells: dict[tuple[dt.date, str], Decimal] = {}
    for row in _rollups(spend).values("day", "model").annotate(cost=Sum("cost")):
        key = (row["day"], row["model"])
        cells[key] = cells.get(key, ZERO) + to_usd(row["cost"] or ZERO)
    by_model: dict[str, Decimal] = {}
    for (_day, model), cost in cells.items():
        by_model[model] = by_model.get(model, ZERO) + cost
    leaders = [m for m, _cost in sorted(by_model.items(), key=lambda item: (-item[1], item[0]))[:top]]
    series = leaders + ([OTHER_MODELS] if len(by_model) > len(leaders) else [])
    per_day = {spend.start + dt.timedelta(n): dict.fromkeys(series, ZERO) for n in range(spend.days)}
    for (day, model), cost in cells.items():
        per_day[day][model if model in leaders else OTHER_MODELS] += cost
    return StackedDays(series, list(per_day.items()))


def spend_by(spend: SpendFilter, dimension: str) -> list[BreakdownRow]:
    """Requests, tokens and cost per team, user, key, model, provider or tool; most expensive first."""
    column = DIMENSIONS[dimension]
    rows = list(
        _rollups(spend)
        .values(column)
        .annotate(requests=Sum("requests"), prompt=Sum("prompt_tokens"), completion=Sum("completion_tokens"))
        .annotate(cost=Sum("cost"))
        .order_by("-cost", column)
    )
    labels = _labels(dimension, [row[column] for row in rows])
    return [
        BreakdownRow(
            key=row[column],
            label=labels.get(row[column], str(row[column] or "–")),
            requests=row["requests"] or 0,
            tokens=(row["prompt"] or 0) + (row["completion"] or 0),
            cost=to_usd(row["cost"] or ZERO),
        )
        for row in rows
    ]


def spend_overview(spend: SpendFilter, dimensions: list[str]) -> tuple[Sums, dict[str, list[BreakdownRow]]]:
    """Totals and several breakdowns from one grouped query (one pass over the rollups, not one each)."""
    columns = [DIMENSIONS[d] for d in dimensions]
    groups = list(_rollups(spend).values(*columns).annotate(**_SUMS))
    totals = _totals_from({name: sum((g[name] or 0 for g in groups), 0) for name in _SUMS})
    breakdowns = {}
    for dimension, column in zip(dimensions, columns, strict=True):
        merged: dict[Any, list[Any]] = {}
        for g in groups:
            row = merged.setdefault(g[column], [0, 0, ZERO])
            row[0] += g["requests"] or 0
            row[1] += (g["prompt_tokens"] or 0) + (g["completion_tokens"] or 0)
            row[2] += to_usd(g["cost"] or ZERO)
        labels = _labels(dimension, list(merged))
        rows = [BreakdownRow(k, labels.get(k, str(k or "–")), n, t, c) for k, (n, t, c) in merged.items()]
        breakdowns[dimension] = sorted(rows, key=lambda r: (-r.cost, r.label))
    return totals, breakdowns


def _labels(dimension: str, ids: list[Any]) -> dict[Any, str]:
    if dimension == "team":
        return dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    if dimension == "user":
        return dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    if dimension == "key":
        keys = HubKey.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name", "prefix")
        return {None: "Browser chat (no key)"} | {pk: f"{name or 'unnamed'} ({prefix}…)" for pk, name, prefix in keys}
    if dimension == "tool":
        return {tool: tool_label(tool) for tool in ids}
    return {"": "unknown"}


@dataclass(frozen=True)
class TeamCredits:
    team: Team
    balance: Decimal
    reserved: Decimal
    burn_7: Decimal
    burn_30: Decimal
    runs_out_on: dt.date | None

    @property
    def available(self) -> Decimal:
        return self.balance - self.reserved

    @property
    def below_threshold(self) -> bool:
        threshold = self.team.low_balance_threshold
        return threshold is not None and self.balance < threshold


def team_credits(team: Team) -> TeamCredits:
    """Balance, average daily spend over the last 7 and 30 days, and the day credits run out at that pace."""
    today = hub_day(timezone.now())
    spent_30 = _rollups(SpendFilter.last_days(30, team_id=team.pk)).values("day").annotate(cost=Sum("cost"))
    week_start = today - dt.timedelta(days=6)
    last_30 = sum((to_usd(row["cost"]) for row in spent_30), ZERO)
    last_7 = sum((to_usd(row["cost"]) for row in spent_30 if row["day"] >= week_start), ZERO)
    burn_7, burn_30 = _per_day(last_7, 7), _per_day(last_30, 30)
    # The recent week says most about next week; fall back to the month when the week was quiet.
    pace = burn_7 or burn_30
    runs_out_on = None
    if pace > 0:
        runs_out_on = today + dt.timedelta(days=int(max(team.balance - team.reserved, ZERO) / pace))
    return TeamCredits(team, team.balance, team.reserved, burn_7, burn_30, runs_out_on)


def _per_day(amount: Decimal, days: int) -> Decimal:
    return (amount / days).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def member_spend(team: Team, spend: SpendFilter) -> list[BreakdownRow]:
    """Each member's spend on the team over the range, members who spent nothing included."""
    spent = {row.key: row for row in spend_by(spend, "user")}
    members = Membership.objects.filter(team=team).select_related("user").order_by("user__username")
    rows = []
    for membership in members:
        row = spent.pop(membership.user_id, None)
        rows.append(
            BreakdownRow(
                key=membership.user_id,
                label=membership.user.username,
                requests=row.requests if row else 0,
                tokens=row.tokens if row else 0,
                cost=row.cost if row else ZERO,
                extra={"role": membership.get_role_display()},
            )
        )
    # People who spent on the team's keys and have since left it.
    rows += [
        BreakdownRow(r.key, r.label, r.requests, r.tokens, r.cost, {"role": "former member"}) for r in spent.values()
    ]
    return sorted(rows, key=lambda row: (-row.cost, row.label))


def key_spend(key_ids: list[int], *, since: dt.date | None = None) -> dict[int, Decimal]:
    """Spend per hub key: all time, or from the hub-time-zone day `since`."""
    rollups = UsageDailyRollup.objects.filter(key_id__in=key_ids)
    if since is not None:
        rollups = rollups.filter(day__gte=since)
    rows = rollups.values("key_id").annotate(cost=Sum("cost")).order_by()
    return {row["key_id"]: to_usd(row["cost"]) for row in rows}


def filter_choices() -> dict[str, list[Any]]:
    """Values for the spend review's filter menus."""
    pairs = list(UsageDailyRollup.objects.order_by().values_list("model", "provider").distinct())
    return {
        "teams": list(Team.objects.order_by("name").values_list("pk", "name")),
        "users": list(get_user_model().objects.order_by("username").values_list("pk", "username")),
        "models": sorted({model for model, _ in pairs}),
        "providers": sorted({provider for _, provider in pairs if provider}),
        "tools": tool_choices(),
    }


def tool_choices() -> list[tuple[str, str]]:
    """The tools to filter by, in their fixed order (records are only ever given one of these; those from
    before tools were recorded, tool "", count in the totals but cannot be picked)."""
    return [(tool, tool_label(tool)) for tool in TOOLS]


@dataclass(frozen=True)
class TeamOverview:
    """One row of the staff teams list."""

    team: Team
    burn_7: Decimal
    runs_out_on: dt.date | None
    budgets: list[Any]
    open_requests: int

    @property
    def available(self) -> Decimal:
        return self.team.balance - self.team.reserved


TEAM_SORTS = {
    "runs_out": lambda row: (row.runs_out_on is None, row.runs_out_on or dt.date.max, row.team.name),
    "balance": lambda row: (row.team.balance, row.team.name),
    "burn": lambda row: (-row.burn_7, row.team.name),
    "name": lambda row: (row.team.name.lower(),),
}


def teams_overview(sort: str = "runs_out") -> list[TeamOverview]:
    """Every team with its balance, 7-day burn, run-out date, team budgets and open credit requests,
    in three queries whatever the number of teams; soonest to run out first by default."""
    from billing.models import Budget, CreditRequest

    today = hub_day(timezone.now())
    week = SpendFilter.last_days(7)
    spent = dict(
        UsageDailyRollup.objects.filter(week.rollup_q())
        .values("team_id")
        .annotate(cost=Sum("cost"))
        .values_list("team_id", "cost")
    )
    budgets: dict[int, list[Any]] = {}
    for budget in Budget.objects.filter(is_active=True, user__isnull=True, key__isnull=True).select_related("team"):
        budgets.setdefault(budget.team_id, []).append(budget)
    asked = dict(
        CreditRequest.objects.filter(state=CreditRequest.OPEN)
        .values("team_id")
        .annotate(n=Count("pk"))
        .values_list("team_id", "n")
    )
    rows = []
    for team in Team.objects.order_by("name"):
        burn = _per_day(to_usd(spent.get(team.pk) or ZERO), 7)
        runs_out = None
        if burn > 0:
            runs_out = today + dt.timedelta(days=int(max(team.balance - team.reserved, ZERO) / burn))
        rows.append(TeamOverview(team, burn, runs_out, budgets.get(team.pk, []), asked.get(team.pk, 0)))
    return sorted(rows, key=TEAM_SORTS.get(sort, TEAM_SORTS["runs_out"]))
