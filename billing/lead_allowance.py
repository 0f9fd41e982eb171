"""What a team's admins (leads) may approve of their members' credit requests, as staff set it: an amount per
request and/or per calendar month. Within it a lead decides on the team page; above it staff decide."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.audit_log import Target, record
from billing.budgets import period_of
from billing.models import Budget, CreditRequest, LeadAllowance, Team
from billing.money import ZERO, to_usd
from llmhub.errors import PermissionDenied


@dataclass(frozen=True)
class Allowance:
    """A team's allowance with what its leads approved this month (None limits: no limit of that kind)."""

    per_request: Decimal | None
    per_month: Decimal | None
    approved_this_month: Decimal

    @property
    def left_this_month(self) -> Decimal | None:
        return None if self.per_month is None else max(self.per_month - self.approved_this_month, ZERO)

    def covers(self, amount: Decimal) -> bool:
        if self.per_request is not None and amount > self.per_request:
            return False
        left = self.left_this_month
        return left is None or amount <= left


def _approved_by_leads_this_month(team_id: int) -> Decimal:
    period = period_of(Budget.MONTHLY, timezone.now())
    approved = CreditRequest.objects.filter(
        team_id=team_id, state=CreditRequest.APPROVED, decided_by_lead=True, decided_at__gte=period.start
    ).aggregate(total=Sum("amount"))["total"]
    return to_usd(approved or ZERO)


def allowance_of(team: Team) -> Allowance | None:
    """The team's allowance, or None when its leads may approve nothing (every request goes to staff)."""
    row = LeadAllowance.objects.filter(team=team).first()
    if row is None:
        return None
    return Allowance(row.per_request, row.per_month, _approved_by_leads_this_month(team.pk))


def lead_may_decide(asked: CreditRequest, allowance: Allowance | None, user: Any) -> bool:
    """A lead decides an open request within the allowance, never their own (that one goes to staff)."""
    return (
        allowance is not None
        and asked.state == CreditRequest.OPEN
        and asked.requested_by_id != user.pk
        and allowance.covers(asked.amount)
    )


def check_lead_decision(asked: CreditRequest, user: Any) -> None:
    """Inside the decision's transaction, with the request locked: refuse (403) a lead's decision outside
    the allowance. The allowance row is locked too, so two leads approving two requests at once cannot
    both spend the month's last room."""
    row = LeadAllowance.objects.select_for_update().filter(team_id=asked.team_id).first()
    allowance = None if row is None else Allowance(
        row.per_request, row.per_month, _approved_by_leads_this_month(asked.team_id)
    )  # fmt: skip
    if asked.requested_by_id == user.pk:
        raise PermissionDenied(_("You asked for these credits yourself: the hub admins decide."), code="own_request")
    if not lead_may_decide(asked, allowance, user):
        raise PermissionDenied(
            _("This request is above what the hub admins allow team admins to approve: they decide it."),
            code="above_allowance",
        )


def allowance_set(*, team: Team, per_request: Decimal | None, per_month: Decimal | None, by: Any) -> None:
    """Staff set (or, with both empty, remove) what the team's leads may approve; the audit log keeps each change."""
    with transaction.atomic():
        was = LeadAllowance.objects.select_for_update().filter(team=team).first()
        before = {"per_request": was.per_request, "per_month": was.per_month} if was else {}
        if per_request is None and per_month is None:
            LeadAllowance.objects.filter(team=team).delete()
        else:
            LeadAllowance.objects.update_or_create(
                team=team,
                defaults={
                    "per_request": None if per_request is None else to_usd(per_request),
                    "per_month": None if per_month is None else to_usd(per_month),
                    "updated_by": by,
                },
            )
        after = (
            {}
            if per_request is None and per_month is None
            else {
                "per_request": None if per_request is None else to_usd(per_request),
                "per_month": None if per_month is None else to_usd(per_month),
            }
        )
        target = Target("lead_allowance", str(team.pk), team.name, team_id=team.pk, team_name=team.name)
        record(by, "lead_allowance.change", target, before, after, team=team)
