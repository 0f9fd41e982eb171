"""What auto routing saved: for each auto-routed usage record, its baseline cost minus what it cost."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import QuerySet

from billing.models import UsageRecord
from billing.money import ZERO, to_usd


def record_savings(route: dict[str, Any] | None, cost: Decimal) -> Decimal | None:
    """baseline_cost - cost for one record, or None when the record was not auto-routed (or has no baseline)."""
    if not isinstance(route, dict) or route.get("baseline_cost") in (None, ""):
        return None
    try:
        return to_usd(Decimal(str(route["baseline_cost"])) - cost)
    except InvalidOperation:
        return None


def route_savings(queryset: QuerySet[UsageRecord]) -> Decimal:
    """Total savings of auto routing over a set of usage records (Decimal, exact; may be negative). Sync."""
    total = ZERO
    for route, cost in queryset.filter(route__isnull=False).values_list("route", "cost").iterator():
        saved = record_savings(route, cost)
        if saved is not None:
            total += saved
    return to_usd(total)
