"""Writes behind the money controls on hub pages: team budgets and member caps, and each key's limits
(rate limits, budget, model allowlist, expiry). Views check who may call these (billing.access)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from billing.access import teams_administered
from billing.audit_log import record, snapshot, target_of
from billing.display import exact_amount
from billing.keys import forget_key
from billing.models import Budget, HubKey, Membership, Team
from billing.money import to_usd
from llmhub.errors import InvalidRequest

# What the audit log keeps of a budget and of a key's settings.
BUDGET_FIELDS = ("user", "key", "name", "amount", "period", "is_hard", "alert_at_percent", "is_active")
KEY_FIELDS = ("rpm_limit", "tpm_limit", "allowed_models", "expires_at")


@dataclass(frozen=True)
class BudgetTerms:
    """What a team admin sets on a budget or member cap."""

    amount: Decimal
    period: str
    is_hard: bool
    alert_at_percent: int | None


def team_budgets(team: Team) -> QuerySet[Budget]:
    """The team's own budget(s) and its member caps (key budgets are shown with their keys)."""
    return Budget.objects.filter(team=team, key__isnull=True).select_related("user").order_by("user__username", "pk")


def budget_save(
    *, team: Team, terms: BudgetTerms, user_id: int | None = None, budget_id: int | None = None, by: Any = None
) -> Budget:
    """Create a budget for the team (user_id None) or a member cap, or change one of the team's budgets;
    `by` (who did it) is written to the audit log."""
    if user_id is not None and not Membership.objects.filter(team=team, user_id=user_id).exists():
        raise InvalidRequest("That person is not a member of this team.", param="member")
    if budget_id is None:
        budget = Budget(team=team, user_id=user_id)
    else:
        found = Budget.objects.filter(team=team, key__isnull=True, pk=budget_id).first()
        if found is None:
            raise InvalidRequest("No such budget on this team.", param="budget")
        budget = found
    before = snapshot(budget, BUDGET_FIELDS) if budget.pk else {}
    budget.amount = to_usd(terms.amount)
    budget.period = terms.period
    budget.is_hard = terms.is_hard
    budget.alert_at_percent = terms.alert_at_percent
    budget.is_active = True
    with transaction.atomic():
        budget.save()
        record(by, "budget.change" if before else "budget.create", budget, before, snapshot(budget, BUDGET_FIELDS))
    return budget


def budget_remove(*, team: Team, budget_id: int, by: Any = None) -> bool:
    """Delete one of the team's budgets or member caps (its spend counters go with it). False if none."""
    budget = Budget.objects.filter(team=team, key__isnull=True, pk=budget_id).select_related("user").first()
    if budget is None:
        return False
    with transaction.atomic():
        record(by, "budget.delete", target_of(budget), snapshot(budget, BUDGET_FIELDS))
        budget.delete()
    return True


def settable_key(user: Any, key_id: int) -> HubKey | None:
    """A key whose limits this user may set: any key of a team they are a team admin of (staff: any key)."""
    keys = HubKey.objects.all() if user.is_staff else HubKey.objects.filter(team__in=teams_administered(user))
    return keys.select_related("team", "user").filter(pk=key_id).first()


@dataclass(frozen=True)
class KeySettings:
    rpm_limit: int | None
    tpm_limit: int | None
    allowed_models: list[str]
    expires_at: dt.datetime | None
    budget_amount: Decimal | None  # None: no budget of its own
    budget_period: str = Budget.MONTHLY


def key_budget(key: HubKey) -> Budget | None:
    return Budget.objects.filter(key=key).order_by("pk").first()


def key_update_settings(*, key: HubKey, settings: KeySettings, by: Any = None) -> HubKey:
    """Save a key's limits and its own budget (one per key), then drop its cached lookup so they apply now."""
    with transaction.atomic():
        before = _key_settings_now(key)
        key.rpm_limit = settings.rpm_limit
        key.tpm_limit = settings.tpm_limit
        key.allowed_models = sorted(set(settings.allowed_models))
        key.expires_at = settings.expires_at
        key.save(update_fields=["rpm_limit", "tpm_limit", "allowed_models", "expires_at"])
        budget = key_budget(key)
        if settings.budget_amount is None:
            Budget.objects.filter(Q(key=key)).delete()
        elif budget is None:
            Budget.objects.create(
                team_id=key.team_id, key=key, amount=to_usd(settings.budget_amount), period=settings.budget_period
            )
        else:
            budget.amount = to_usd(settings.budget_amount)
            budget.period = settings.budget_period
            budget.is_active = True
            budget.save()
        record(by, "key.change", key, before, _key_settings_now(key))
    forget_key(key)
    return key


def _key_settings_now(key: HubKey) -> dict[str, Any]:
    """A key's limits and its own budget, as the audit log keeps them."""
    budget = key_budget(key)
    return {
        **snapshot(key, KEY_FIELDS),
        "budget": None if budget is None else f"{exact_amount(budget.amount)} {budget.period}",
    }
