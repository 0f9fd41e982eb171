"""Record-level reads for the billing pages: keys, recent requests, drill-downs, the audit trail, price checks.

Each query walks an index ((user|team, created_at), created_at) and is cut to a page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, DateTimeField, F, Func, Q, QuerySet, Sum
from django.utils import timezone

from billing.access import teams_administered
from billing.budgets import period_of
from billing.models import Budget, CreditLedgerEntry, HubKey, Refusal, Team, UsageDailyRollup, UsageRecord
from billing.money import ZERO, to_usd
from billing.reports import SpendFilter, key_spend, tool_choices
from billing.rollups import hub_day, price_mismatch_q, routing_savings, with_price_gap

PAGE_SIZE = 50
REQUEST_ID_MAX = UsageRecord._meta.get_field("request_id").max_length or 64
MILLION = Decimal(1_000_000)  # prices are quoted per million tokens


@dataclass(frozen=True)
class KeyRow:
    key: HubKey
    spend: Decimal

    @property
    def state(self) -> str:
        if self.key.revoked_at:
            return "revoked"
        if self.key.expires_at and self.key.expires_at <= timezone.now():
            return "expired"
        return "active"


@dataclass(frozen=True)
class TeamKeys:
    """Every key of one team, for its team admin, each with what it spent this calendar month."""

    team: Team
    rows: list[KeyRow]


def keys_of(user: Any) -> list[KeyRow]:
    """The user's own keys, newest first, each with what it has spent."""
    keys = list(
        HubKey.objects.filter(user=user)
        .select_related("team", "revoked_by")
        .defer("hashed_key")
        .order_by("revoked_at", "-created_at")
    )
    spend = key_spend([key.pk for key in keys])
    return [KeyRow(key, spend.get(key.pk, Decimal("0"))) for key in keys]


def team_keys_for_admin(user: Any) -> list[TeamKeys]:
    """The keys of each team this user is a team admin of (by membership: staff see only their own teams)."""
    teams = list(teams_administered(user).order_by("name"))
    keys = list(
        HubKey.objects.filter(team__in=teams)
        .select_related("user", "revoked_by")
        .defer("hashed_key")  # never needed here, so never loaded into a page's context
        .order_by("revoked_at", "-created_at")
    )
    this_month = hub_day(timezone.now()).replace(day=1)
    spend = key_spend([key.pk for key in keys], since=this_month)
    by_team: dict[int, list[KeyRow]] = {team.pk: [] for team in teams}
    for key in keys:
        by_team[key.team_id].append(KeyRow(key, spend.get(key.pk, Decimal("0"))))
    return [TeamKeys(team, by_team[team.pk]) for team in teams]


def team_key_rows(team: Team, *, user_id: int | None = None) -> list[KeyRow]:
    """Every key of one team (or of one member on it) with its spend this calendar month, active keys first."""
    keys = list(
        HubKey.objects.filter(team=team, **({} if user_id is None else {"user_id": user_id}))
        .select_related("user")
        .defer("hashed_key")
        .order_by("revoked_at", "-created_at")
    )
    spend = key_spend([key.pk for key in keys], since=hub_day(timezone.now()).replace(day=1))
    return [KeyRow(key, spend.get(key.pk, Decimal("0"))) for key in keys]


def member_key_rows(team: Team, user_id: int) -> list[KeyRow]:
    """One member's keys of one team with their spend this calendar month (the member page; no secrets)."""
    return team_key_rows(team, user_id=user_id)


def team_filter_choices(team: Team) -> dict[str, list[Any]]:
    """Values for the team request list's filter menus: its members, the models it used, the tools."""
    used = UsageDailyRollup.objects.filter(team=team).order_by().values_list("user_id", "model").distinct()
    people = Q(memberships__team=team) | Q(pk__in={user_id for user_id, _ in used})
    members = get_user_model().objects.filter(people).distinct().order_by("username").values_list("pk", "username")
    refused = Refusal.objects.filter(team=team).exclude(model="").order_by().values_list("model", flat=True)
    models = {model for _, model in used} | set(refused.distinct())
    return {"members": list(members), "models": sorted(models), "tools": tool_choices()}


def team_records(spend: SpendFilter, status: str = "") -> QuerySet[UsageRecord]:
    """The usage records of a (team) filter, narrowed to one status when given; newest first."""
    records = usage_records(spend)
    return records.filter(status=status) if status else records


def revocable_key(user: Any, key_id: int) -> HubKey | None:
    """A key this user may revoke: their own, or any key of a team they are a team admin of."""
    keys = HubKey.objects.filter(Q(user=user) | Q(team__in=teams_administered(user)), pk=key_id)
    return keys.select_related("team", "user").first()


def recent_usage(user: Any, limit: int = 25) -> list[UsageRecord]:
    return list(UsageRecord.objects.filter(user=user).select_related("team").order_by("-created_at")[:limit])


@dataclass(frozen=True)
class ModelUse:
    """How many requests asked for each model since a time: by one person, and by their team."""

    mine: dict[str, int]
    team: dict[str, int]


def model_use(*, user_id: int, team_id: int | None, since: dt.datetime) -> ModelUse:
    """Requests per model asked for (`model_requested`, so "auto:code" counts as itself) since `since`, by the
    person and by their team; each a walk of its (user|team, created_at) index."""

    def counts(**who: int) -> dict[str, int]:
        rows = UsageRecord.objects.filter(created_at__gte=since, **who).order_by().values("model_requested")
        return dict(rows.annotate(n=Count("id")).values_list("model_requested", "n"))

    return ModelUse(mine=counts(user_id=user_id), team=counts(team_id=team_id) if team_id is not None else {})


def usage_records(spend: SpendFilter) -> QuerySet[UsageRecord]:
    """The usage records behind a spend view, newest first (for drill-down and CSV)."""
    return (
        UsageRecord.objects.filter(spend.record_q())
        .select_related("team", "user", "key")
        .order_by("-created_at", "-id")
    )


# The staff record list's orders. Priciest (cheapest) first walks the (cost, created_at) index from its end
# and stops at the page's end; the others read the date range (created_at index) and keep its top.
RECORD_ORDERS: dict[str, tuple[str, ...]] = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "cost": ("-cost", "-created_at", "-id"),
    "cheapest": ("cost", "created_at", "id"),
    "tokens": ("-total", "-created_at", "-id"),
    "latency": ("-latency_ms", "-created_at", "-id"),
}
SORTED_IN_MEMORY = 20_000  # up to this many records in range, reading them all and sorting is as quick


class _UnindexedOnSqlite(Func):
    """The column as it is; on SQLite written `+column`, which keeps SQLite's planner off that column's index.
    Its planner does not weigh LIMIT: left alone it reads a whole date range and sorts it rather than walk the
    cost index and stop at the twentieth row (PostgreSQL weighs it and needs no hint)."""

    arity = 1
    template = "%(expressions)s"
    output_field = DateTimeField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, template="+%(expressions)s", **extra)


def sorted_records(spend: SpendFilter, order: str = "newest", *, matching: int = 0) -> QuerySet[UsageRecord]:
    """The usage records behind a spend view in one of RECORD_ORDERS (newest first for an unknown one).
    `matching` (from the rollups) is how many there are: many, and a cost order walks the cost index.
    No joins (team, user and key are fetched for the page after), so the order is the plan's to choose."""
    records = UsageRecord.objects.filter(spend.record_q())
    if order in ("cost", "cheapest") and matching > SORTED_IN_MEMORY:
        since, until = spend.moments()
        records = (
            UsageRecord.objects.alias(at=_UnindexedOnSqlite("created_at"))
            .filter(spend.record_q(dated=False))
            .filter(at__gte=since, at__lt=until)
        )
    if order == "tokens":
        records = records.alias(total=F("prompt_tokens") + F("completion_tokens"))
    records = records.prefetch_related("team", "user", "key")
    return records.order_by(*RECORD_ORDERS.get(order, RECORD_ORDERS["newest"]))


def find_record(request_id: str) -> UsageRecord | None:
    """A usage record by its exact request id (staff search); None for no match or an impossible id."""
    request_id = request_id.strip()
    if not request_id or len(request_id) > REQUEST_ID_MAX or "\x00" in request_id:
        return None
    return UsageRecord.objects.filter(request_id=request_id).only("request_id").first()


@dataclass(frozen=True)
class Page:
    """One page of a list whose total is already known (from rollups), so no COUNT(*) over the ledger."""

    items: list[Any]
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.size + len(self.items)


def page_of(queryset: QuerySet[Any], number: int, total: int, size: int = PAGE_SIZE) -> Page:
    last = max(1, -(-total // size))
    number = min(max(1, number), last)
    start = (number - 1) * size
    return Page(list(queryset[start : start + size]), number, total, size)


def audit_trail(team_id: int | None = None) -> QuerySet[CreditLedgerEntry]:
    """Grants, adjustments and refunds (every movement except per-request charges) with who made them."""
    entries = CreditLedgerEntry.objects.exclude(kind=CreditLedgerEntry.CHARGE).select_related("team", "created_by")
    if team_id:
        entries = entries.filter(team_id=team_id)
    return entries.order_by("-created_at", "-id")


def team_ledger(team_id: int, limit: int = 10) -> list[CreditLedgerEntry]:
    return list(audit_trail(team_id)[:limit])


def price_mismatches(spend: SpendFilter) -> QuerySet[UsageRecord]:
    """Records in the range whose upstream-reported cost differs from ours by more than 1%."""
    records = with_price_gap(UsageRecord.objects.filter(spend.record_q()))
    return records.filter(price_mismatch_q()).select_related("team", "user").order_by("-created_at", "-id")


def route_savings(queryset: QuerySet[UsageRecord]) -> Decimal:
    """Total savings of auto routing over a set of usage records (Decimal, exact; may be negative)."""
    routed = queryset.filter(route__isnull=False).values_list("route", "cost").iterator()
    return to_usd(sum((routing_savings(route, cost) for route, cost in routed), ZERO))


def generation_for(request_id: str, user_id: int) -> dict[str, Any] | None:
    """One request's usage record, for its owner only (GET /v1/generation)."""
    record = UsageRecord.objects.filter(request_id=request_id, user_id=user_id).first()
    if record is None:
        return None
    return {
        "id": record.request_id,
        "created_at": record.created_at.isoformat(),
        "model_requested": record.model_requested,
        "model": record.model_served,
        "provider": record.provider,
        "stream": record.stream,
        "status": record.status,
        "error_code": record.error_code,
        "usage": {
            "prompt_tokens": record.prompt_tokens,
            "completion_tokens": record.completion_tokens,
            "total_tokens": record.total_tokens,
            "cached_tokens": record.cached_tokens,
            "reasoning_tokens": record.reasoning_tokens,
            "estimated": record.tokens_estimated,
            "clamped": record.tokens_clamped,
        },
        "cost": record.cost,
        "upstream_cost": record.upstream_cost,
        "latency_ms": record.latency_ms,
        "ttft_ms": record.ttft_ms,
        "attempts": record.attempts,
        "route": record.route,
        "cache_hit": record.cache_hit,
        "client_tool": record.client_tool,
        "dropped": record.dropped.split(",") if record.dropped else [],
    }


def month_bounds(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The start of this calendar month and of the next, in the hub's time zone (as budgets count months)."""
    period = period_of(Budget.MONTHLY, now or timezone.now())
    assert period.end is not None
    return timezone.localtime(period.start), timezone.localtime(period.end)


def month_usage(*, user_id: int, team_id: int, now: dt.datetime | None = None) -> dict[str, Any]:
    """Totals, per-model and per-tool rows of the user's requests this month; exact Decimal costs (GET /v1/usage)."""
    start, end = month_bounds(now)
    records = UsageRecord.objects.filter(user_id=user_id, created_at__gte=start, created_at__lt=end)
    sums = {
        "requests": Count("id"),
        "prompt_tokens": Sum("prompt_tokens"),
        "completion_tokens": Sum("completion_tokens"),
        "cost": Sum("cost"),
        "cache_hits": Count("id", filter=Q(cache_hit=True)),
        "errors": Count("id", filter=~Q(status=UsageRecord.OK)),
    }
    totals = records.aggregate(**sums)
    rows = records.values("model_served").annotate(**sums).order_by("-cost", "model_served")
    tools = records.values("client_tool").annotate(**sums).order_by("-cost", "client_tool")
    team = Team.objects.only("balance", "reserved", "name").get(pk=team_id)

    def clean(row: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "requests": row["requests"],
            "prompt_tokens": row["prompt_tokens"] or 0,
            "completion_tokens": row["completion_tokens"] or 0,
            "cost": to_usd(row["cost"] or ZERO),
            "cache_hits": row["cache_hits"],
            "errors": row["errors"],
        }

    return {
        "object": "usage",
        "period": "month",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "time_zone": str(timezone.get_current_timezone()),
        "currency": "USD",
        "totals": {**clean(totals), "auto_route_savings": route_savings(records)},
        "by_model": [{"model": row["model_served"] or "(none)", **clean(row)} for row in rows],
        "by_client_tool": [{"client_tool": row["client_tool"], **clean(row)} for row in tools],
        "team": {"name": team.name, "credits_remaining": to_usd(team.balance - team.reserved)},
    }


def visible_record(user: Any, request_id: str) -> UsageRecord | None:
    """One usage record, for its owner, a team admin of its team, or staff; None for anyone else."""
    records = UsageRecord.objects.filter(request_id=request_id).select_related("team", "user", "key")
    if not user.is_staff:
        records = records.filter(Q(user=user) | Q(team__in=teams_administered(user)))
    return records.first()


def charged_for(record: UsageRecord) -> Decimal | None:
    """What the ledger charged for the record (may be less than its cost when the team ran dry)."""
    amount = CreditLedgerEntry.objects.filter(usage=record).values_list("amount", flat=True).first()
    return None if amount is None else -amount


@dataclass(frozen=True)
class UnitPrices:
    """USD per million tokens, derived from a record's cost, when the cost pins them down exactly."""

    input: Decimal | None
    output: Decimal | None


def unit_prices(record: UsageRecord) -> UnitPrices | None:
    """The price per million tokens a record was charged at, when it can be read off its cost exactly:
    only one kind of token was billed (no cache, reasoning split or images) and cost x 1M / tokens is exact."""
    if record.cost <= 0 or record.cached_tokens or record.cache_write_tokens or record.images:
        return None
    billed = [(n, kind) for n, kind in ((record.prompt_tokens, "input"), (record.completion_tokens, "output")) if n]
    if len(billed) != 1:
        return None
    tokens, kind = billed[0]
    price = record.cost * MILLION / tokens
    if price * tokens != record.cost * MILLION or price != price.quantize(Decimal("0.00000001")):
        return None
    price = price.normalize()
    return UnitPrices(input=price if kind == "input" else None, output=price if kind == "output" else None)
