"""Writes behind the billing pages (keys and credits move through billing.keys and billing.ledger), each
with its audit entry (billing.audit_log)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import Http404

from billing.alerts import note_threshold_set
from billing.audit_log import Target, record, snapshot
from billing.keys import revoke_key
from billing.ledger import grant_credits
from billing.models import CreditLedgerEntry, HubKey, Team
from billing.money import to_usd
from billing.selectors import revocable_key


def key_revoke(*, user: Any, key_id: int) -> HubKey:
    """Revoke the user's own key, or (as a team admin) any key of their team; any other key is 'not found'.

    A revocation by someone other than the owner records who made it.
    """
    key = revocable_key(user, key_id)
    if key is None:
        raise Http404("No such key.")
    if key.revoked_at is not None:
        revoke_key(key)  # already revoked: only drops any cached lookup
        return key
    with transaction.atomic():
        if key.user_id != user.pk:
            key.revoked_by = user
            key.save(update_fields=["revoked_by"])  # then revoke_key stamps revoked_at and drops the cached lookup
        revoke_key(key)
        record(user, "key.revoke", key, {"revoked_at": None}, {"revoked_at": key.revoked_at})
    return key


def team_set_low_balance_threshold(*, team: Team, threshold: Decimal | None, by: Any = None) -> Team:
    """Save the threshold; a balance already below it alerts now (billing.alerts.note_threshold_set)."""
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        before = snapshot(locked, ["low_balance_threshold"])
        locked.low_balance_threshold = None if threshold is None else to_usd(threshold)
        locked.save(update_fields=["low_balance_threshold"])
        record(by, "team.change", locked, before, snapshot(locked, ["low_balance_threshold"]))
        note_threshold_set(locked)
    team.low_balance_threshold, team.balance = locked.low_balance_threshold, locked.balance
    return team


def team_set_alert_webhook(*, team: Team, url: str, by: Any = None) -> Team:
    """Save a validated webhook URL (empty: none)."""
    before = snapshot(team, ["alert_webhook_url"])
    team.alert_webhook_url = url
    with transaction.atomic():
        team.save(update_fields=["alert_webhook_url"])
        record(by, "team.change", team, before, snapshot(team, ["alert_webhook_url"]))
    return team


def credits_grant(
    *, team: Team, amount: Decimal, memo: str = "", kind: str = CreditLedgerEntry.GRANT, by: Any = None
) -> CreditLedgerEntry:
    """A grant or adjustment through the ledger, and its audit entry: the ledger row is the record of the money
    (its memo and maker), the entry points at it with the balance before and after, beside the other actions."""
    with transaction.atomic():
        entry = grant_credits(team=team, amount=amount, memo=memo, by=by, kind=kind)
        target = Target.of("ledger_entry", entry.pk, memo, team)
        before = {"balance": entry.balance_after - entry.amount}
        record(by, f"credits.{entry.kind}", target, before, {"balance": entry.balance_after, "amount": entry.amount})
    return entry
