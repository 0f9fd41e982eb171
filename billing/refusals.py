"""Refused requests (402 credits or budget, 429 rate limit, 400 invalid): one small row each, never charged,
counted on spend review, the team page and My usage."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from billing.models import Refusal
from billing.reports import SpendFilter

log = logging.getLogger("llmhub.billing.refusals")
RECORDED_STATUSES = (400, 402, 429)


def record_refusal(
    *,
    team_id: int,
    user_id: int | None,
    key_id: int | None,
    status: int,
    code: str,
    message: str = "",
    model: str = "",
    request_id: str = "",
) -> Refusal | None:
    """Record one refusal (statuses other than 400, 402 and 429 are not refusals and are ignored).

    Never raises: a refusal that cannot be recorded must not turn into a 500 for the refused client.
    """
    if status not in RECORDED_STATUSES:
        return None
    try:
        return Refusal.objects.create(
            team_id=team_id,
            user_id=user_id,
            key_id=key_id,
            status=status,
            code=code[:50],
            message=message[:500],
            model=model[:100],
            request_id=request_id[:64],
        )
    except Exception:
        log.warning("could not record a %s refusal for team %s", status, team_id, exc_info=True)
        return None


@dataclass(frozen=True)
class RefusalCounts:
    credits: int  # 402 insufficient_credits
    budget: int  # 402 budget_exceeded (budgets and member caps)
    rate_limit: int  # 429
    invalid: int  # 400

    @property
    def total(self) -> int:
        return self.credits + self.budget + self.rate_limit + self.invalid


def refusal_counts(spend: SpendFilter) -> RefusalCounts:
    """Refusals in the filter's date range, narrowed by its team, user and key (one query)."""
    counts = Refusal.objects.filter(spend.people_q()).aggregate(
        credits=Count("pk", filter=Q(status=402) & ~Q(code="budget_exceeded")),
        budget=Count("pk", filter=Q(status=402, code="budget_exceeded")),
        rate_limit=Count("pk", filter=Q(status=429)),
        invalid=Count("pk", filter=Q(status=400)),
    )
    return RefusalCounts(**counts)


def refusals_matching(spend: SpendFilter) -> QuerySet[Refusal]:
    """The refusals in the filter's range, narrowed by its team, user, key and model (as asked), newest first.
    Refusals keep no tool: a tool filter does not narrow them."""
    refusals = Refusal.objects.filter(spend.people_q())
    if spend.model:
        refusals = refusals.filter(model=spend.model)
    return refusals.select_related("user", "key").order_by("-created_at", "-id")


def recent_refusals(spend: SpendFilter, limit: int = 20) -> list[Refusal]:
    """The latest refusals in the filter's range, newest first."""
    return list(refusals_matching(spend)[:limit])
