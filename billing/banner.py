"""The low-balance banner every member of a team sees while its credits are below the threshold."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F

from billing.models import Membership, Team


@dataclass(frozen=True)
class LowBalance:
    team: Team
    balance: Decimal
    threshold: Decimal
    can_manage: bool


def low_balance_teams(user: Any) -> list[LowBalance]:
    """The user's teams whose balance is below their low-balance threshold (one query).

    The same comparison billing.alerts uses to raise its once-per-crossing email and webhook, read
    straight from the team row so the banner costs no extra query per page.
    """
    if not user.is_authenticated:
        return []
    memberships = (
        Membership.objects.filter(
            user=user, team__low_balance_threshold__isnull=False, team__balance__lt=F("team__low_balance_threshold")
        )
        .select_related("team")
        .order_by("team__name")
    )
    return [
        LowBalance(m.team, m.team.balance, m.team.low_balance_threshold, m.role == Membership.ADMIN or user.is_staff)
        for m in memberships
        if m.team.low_balance_threshold is not None  # always true (filtered above); narrows the type
    ]
