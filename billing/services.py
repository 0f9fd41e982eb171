"""Writes behind the billing pages (keys and credits move through billing.keys and billing.ledger)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import Http404

from billing.alerts import note_threshold_set
from billing.keys import revoke_key
from billing.models import HubKey, Team
from billing.money import to_usd
from billing.selectors import revocable_key


def key_revoke(*, user: Any, key_id: int) -> HubKey:
    """Revoke the user's own key, or (as a team admin) any key of their team; any other key is 'not found'.

    A revocation by someone other than the owner records who made it.
    """
    key = revocable_key(user, key_id)
    if key is None:
        raise Http404("No such key.")
    if key.revoked_at is None and key.user_id != user.pk:
        key.revoked_by = user
        key.save(update_fields=["revoked_by"])  # then revoke_key stamps revoked_at and drops the cached lookup
    revoke_key(key)
    return key


def team_set_low_balance_threshold(*, team: Team, threshold: Decimal | None) -> Team:
    """Save the threshold; a balance already below it alerts now (billing.alerts.note_threshold_set)."""
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        locked.low_balance_threshold = None if threshold is None else to_usd(threshold)
        locked.save(update_fields=["low_balance_threshold"])
        note_threshold_set(locked)
    team.low_balance_threshold, team.balance = locked.low_balance_threshold, locked.balance
    return team


def team_set_alert_webhook(*, team: Team, url: str) -> Team:
    """Save a validated webhook URL (empty: none)."""
    team.alert_webhook_url = url
    team.save(update_fields=["alert_webhook_url"])
    return team
