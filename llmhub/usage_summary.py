"""The key owner's spend for a period (this calendar month, in the hub's time zone), by model: GET /v1/usage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from billing.models import Team, UsageRecord
from billing.money import ZERO, to_usd
from llmhub.route_savings import route_savings


def month_bounds(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The start of this month and of the next, as aware datetimes in the hub's TIME_ZONE."""
    local = timezone.localtime(now)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return start, following


def month_usage(*, user_id: int, team_id: int, now: dt.datetime | None = None) -> dict[str, Any]:
    """Totals and per-model rows of the user's requests this month; exact Decimal costs. Sync."""
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
        "team": {"name": team.name, "credits_remaining": to_usd(team.balance - team.reserved)},
    }
