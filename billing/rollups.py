"""The daily usage rollup: one upsert per settled request, a bulk add for generated data, a full rebuild.

Dashboards read aggregates from here instead of scanning the usage ledger (see billing/reports.py).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Abs, Coalesce, NullIf, TruncDate
from django.utils import timezone

from billing import ledger_rows
from billing.models import UsageDailyRollup, UsageRecord
from billing.money import ZERO, to_usd

BUCKET_COLUMNS = ["day", "team_id", "user_id", "key_id", "model", "provider", "client_tool"]
SUM_COLUMNS = ["requests", "errors", "prompt_tokens", "completion_tokens", "cost", "savings", "price_mismatches"]
PRICE_TOLERANCE = Decimal("0.01")  # the price-match report flags differences above 1% of the upstream's cost

Bucket = tuple[dt.date, int, int, int | None, str, str, str]  # BUCKET_COLUMNS


@dataclass
class Sums:
    """What one rollup bucket adds up (also the unit of a bulk add)."""

    requests: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: Decimal = ZERO
    savings: Decimal = ZERO
    price_mismatches: int = 0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def values(self) -> list[Any]:
        return [getattr(self, name) for name in SUM_COLUMNS]


def hub_day(moment: dt.datetime) -> dt.date:
    """The day a moment falls on in the hub's time zone (HUB_TIME_ZONE), which is how rollups are keyed."""
    return timezone.localdate(moment, timezone.get_default_timezone())


def rollup_model(model_served: str, model_requested: str) -> str:
    return model_served or model_requested


def routing_savings(route: Any, cost: Decimal) -> Decimal:
    """Auto-routing savings of one request: its route's baseline_cost minus what it cost, when recorded."""
    if not isinstance(route, dict) or route.get("baseline_cost") in (None, ""):
        return ZERO
    try:
        return to_usd(Decimal(str(route["baseline_cost"])) - cost)
    except (InvalidOperation, ValueError):
        return ZERO


def is_price_mismatch(cost: Decimal, upstream_cost: Decimal | None) -> bool:
    return upstream_cost is not None and abs(cost - upstream_cost) > upstream_cost * PRICE_TOLERANCE


def price_mismatch_q() -> Q:
    """Records whose upstream-reported cost differs from ours by more than 1%; needs alias price_gap."""
    return Q(upstream_cost__isnull=False, price_gap__gt=F("upstream_cost") * PRICE_TOLERANCE)


def with_price_gap(queryset: QuerySet[UsageRecord]) -> QuerySet[UsageRecord]:
    return queryset.alias(price_gap=Abs(F("cost") - F("upstream_cost")))


class UsageFacts(Protocol):
    """What a rollup needs of a usage record: a stored UsageRecord, or settlement's draft of one."""

    @property
    def created_at(self) -> dt.datetime | None: ...
    @property
    def team_id(self) -> int: ...
    @property
    def user_id(self) -> int: ...
    @property
    def key_id(self) -> int | None: ...
    @property
    def model_served(self) -> str: ...
    @property
    def model_requested(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def client_tool(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def prompt_tokens(self) -> int: ...
    @property
    def completion_tokens(self) -> int: ...
    @property
    def cost(self) -> Decimal: ...
    @property
    def upstream_cost(self) -> Decimal | None: ...
    @property
    def route(self) -> Any: ...


def record_sums(record: UsageFacts) -> Sums:
    return Sums(
        requests=1,
        errors=0 if record.status == UsageRecord.OK else 1,
        prompt_tokens=record.prompt_tokens,
        completion_tokens=record.completion_tokens,
        cost=to_usd(record.cost),
        savings=routing_savings(record.route, to_usd(record.cost)),
        price_mismatches=int(is_price_mismatch(to_usd(record.cost), record.upstream_cost)),
    )


def record_bucket(record: UsageFacts) -> Bucket:
    assert record.created_at is not None, "a usage record is dated when it is settled"
    return (
        hub_day(record.created_at),
        record.team_id,
        record.user_id,
        record.key_id,
        rollup_model(record.model_served, record.model_requested),
        record.provider,
        record.client_tool,
    )


@functools.cache
def _upsert_sql() -> str:
    table = UsageDailyRollup._meta.db_table
    columns = BUCKET_COLUMNS + SUM_COLUMNS
    placeholders = ", ".join(["%s"] * len(columns))
    additions = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in SUM_COLUMNS)
    # The conflict target is the unique index one_rollup_per_bucket (key NULL is bucket 0).
    target = "day, team_id, user_id, COALESCE(key_id, 0), model, provider, client_tool"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) ON CONFLICT ({target}) DO UPDATE SET {additions}"


def _params(bucket: Bucket, sums: Sums) -> list[Any]:
    day, *rest = bucket
    return [connection.ops.adapt_datefield_value(day), *rest, *sums.values()]


def upsert_sql() -> str:
    """The rollup's INSERT … ON CONFLICT DO UPDATE, for a statement that settles in one go (ledger_statements)."""
    return _upsert_sql()


def upsert_params(record: UsageFacts) -> list[Any]:
    """The parameters of `upsert_sql` for one settled record."""
    return _params(record_bucket(record), record_sums(record))


def add_to_rollup(cursor: CursorWrapper, record: UsageFacts) -> None:
    """Add one settled record to its day's bucket: a single INSERT … ON CONFLICT DO UPDATE.

    Called inside settlement's transaction (on its cursor), so the record and its rollup commit (or roll
    back) together.
    """
    ledger_rows.execute(cursor, _upsert_sql(), _params(record_bucket(record), record_sums(record)))


def add_buckets(buckets: dict[Bucket, Sums]) -> None:
    """Add many pre-summed buckets at once (synthetic data, backfills)."""
    with connection.cursor() as cursor:
        cursor.executemany(_upsert_sql(), [_params(bucket, sums) for bucket, sums in buckets.items()])


def accumulate(buckets: dict[Bucket, Sums], bucket: Bucket, sums: Sums) -> None:
    total = buckets.setdefault(bucket, Sums())
    for name in SUM_COLUMNS:
        setattr(total, name, getattr(total, name) + getattr(sums, name))


def _aggregated_rows() -> Iterator[UsageDailyRollup]:
    """Every bucket summed by the database, except savings (which live in the route JSON)."""
    rows = (
        with_price_gap(UsageRecord.objects.order_by())
        .annotate(
            bucket_day=TruncDate("created_at", tzinfo=timezone.get_default_timezone()),
            bucket_model=Coalesce(NullIf("model_served", Value("")), "model_requested"),
        )
        .values("bucket_day", "team_id", "user_id", "key_id", "bucket_model", "provider", "client_tool")
        .annotate(
            n=Count("id"),
            n_errors=Count("id", filter=~Q(status=UsageRecord.OK)),
            prompt=Sum("prompt_tokens"),
            completion=Sum("completion_tokens"),
            spent=Sum("cost"),
            mismatched=Count("id", filter=price_mismatch_q()),
        )
    )
    for row in rows.iterator(chunk_size=5000):
        yield UsageDailyRollup(
            day=row["bucket_day"],
            team_id=row["team_id"],
            user_id=row["user_id"],
            key_id=row["key_id"],
            model=row["bucket_model"],
            provider=row["provider"],
            client_tool=row["client_tool"],
            requests=row["n"],
            errors=row["n_errors"],
            prompt_tokens=row["prompt"] or 0,
            completion_tokens=row["completion"] or 0,
            cost=to_usd(row["spent"] or ZERO),
            price_mismatches=row["mismatched"],
        )


def _routed_savings() -> dict[Bucket, Sums]:
    buckets: dict[Bucket, Sums] = {}
    routed = UsageRecord.objects.filter(route__isnull=False).only(
        "created_at",
        "team_id",
        "user_id",
        "key_id",
        "model_served",
        "model_requested",
        "provider",
        "client_tool",
        "route",
        "cost",
    )
    for record in routed.iterator(chunk_size=5000):
        saved = routing_savings(record.route, to_usd(record.cost))
        if saved:
            accumulate(buckets, record_bucket(record), Sums(savings=saved))
    return buckets


def _batches(rows: Iterable[UsageDailyRollup], size: int = 2000) -> Iterator[list[UsageDailyRollup]]:
    batch: list[UsageDailyRollup] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def rebuild_rollups() -> int:
    """Recompute every rollup from the usage ledger. Returns the number of buckets written.

    On PostgreSQL the rollup table is locked for the rebuild: settlements that finish meanwhile wait
    for it and then add on top, so nothing is counted twice or lost.
    """
    written = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {UsageDailyRollup._meta.db_table} IN EXCLUSIVE MODE")
        UsageDailyRollup.objects.all().delete()
        for batch in _batches(_aggregated_rows()):
            UsageDailyRollup.objects.bulk_create(batch)
            written += len(batch)
        add_buckets(_routed_savings())
    return written
