"""The ledger audit (`manage.py audit_ledger`): every rule the books must keep, checked per team from the
rows themselves, each breach named."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from billing.ledger import hold_max_age
from billing.models import CreditHold, CreditLedgerEntry, Team, UsageRecord
from billing.money import ZERO, to_usd


@dataclass(frozen=True)
class Breach:
    rule: str
    team: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule} [team {self.team}]: {self.detail}"


def _sums(rows: Iterable[tuple[int, Any]]) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for team_id, amount in rows:
        totals[team_id] += Decimal(str(amount))
    return totals


def audit_ledger(now: dt.datetime | None = None, *, holds_since: dt.datetime | None = None) -> list[Breach]:
    """Every breach of the books, team by team (an empty list: the books are whole).

    - balance: a team's balance equals the sum of its ledger rows (grants, adjustments, refunds, charges);
    - reserved: a team's reserved credit equals the sum of its holds;
    - charge per usage: every usage record has one charge (at most one is a database constraint);
    - orphan charge: every charge belongs to a usage record of the same team;
    - stale hold: no hold is past its expiry (the sweep settles those within one interval); with
      `holds_since`, only holds created since then (a test's own, not those it dated in the past);
    - long-lived hold: no hold, however renewed, is older than any request lives (HOLD_MAX_AGE_SECONDS):
      its request never settled;
    - negative balance: no balance, nor balance less reserved, is below zero.
    """
    with _one_snapshot():
        return _audit(now or timezone.now(), holds_since)


@contextlib.contextmanager
def _one_snapshot() -> Iterator[None]:
    """Every read of the audit sees the books at one moment: requests settling meanwhile (a live server,
    another worker) would otherwise show a team's reserved credit from before and its holds from after.
    SQLite's read transaction is one snapshot; PostgreSQL's needs REPEATABLE READ."""
    with transaction.atomic():
        if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def _audit(now: dt.datetime, holds_since: dt.datetime | None) -> list[Breach]:
    teams = {team.pk: team for team in Team.objects.only("slug", "balance", "reserved")}
    ledger = _sums(CreditLedgerEntry.objects.values_list("team_id", "amount").iterator())
    held = _sums(CreditHold.objects.values_list("team_id", "amount").iterator())
    breaches: list[Breach] = []
    for team_id, team in teams.items():
        balance, reserved = to_usd(team.balance), to_usd(team.reserved)
        if balance != to_usd(ledger[team_id]):
            breaches.append(Breach("balance", team.slug, f"balance {balance} but its ledger sums to {ledger[team_id]}"))
        if reserved != to_usd(held[team_id]):
            breaches.append(Breach("reserved", team.slug, f"reserved {reserved} but its holds sum to {held[team_id]}"))
        if balance < ZERO or balance - reserved < ZERO:
            breaches.append(Breach("negative balance", team.slug, f"balance {balance}, reserved {reserved}"))
    uncharged = UsageRecord.objects.filter(charge__isnull=True).values_list("team_id", "request_id")
    for team_id, request_id in uncharged.iterator():
        breaches.append(Breach("charge per usage", teams[team_id].slug, f"usage record {request_id} has no charge"))
    charges = CreditLedgerEntry.objects.filter(kind=CreditLedgerEntry.CHARGE)
    for team_id, entry_id in charges.filter(usage__isnull=True).values_list("team_id", "pk").iterator():
        breaches.append(Breach("orphan charge", teams[team_id].slug, f"charge #{entry_id} has no usage record"))
    foreign = charges.exclude(usage__isnull=True).exclude(usage__team_id=F("team_id"))
    for team_id, entry_id in foreign.values_list("team_id", "pk").iterator():
        breaches.append(Breach("orphan charge", teams[team_id].slug, f"charge #{entry_id} is another team's usage"))
    for name, team_id in _extra_charges():
        breaches.append(Breach("charge per usage", teams[team_id].slug, name))
    stale = CreditHold.objects.filter(expires_at__lt=now)
    if holds_since is not None:
        stale = stale.filter(created_at__gte=holds_since)
    for team_id, request_id, expires_at in stale.values_list("team_id", "request_id", "expires_at").iterator():
        late = now - expires_at
        breaches.append(Breach("stale hold", teams[team_id].slug, f"hold {request_id} expired {late} ago"))
    leaked = CreditHold.objects.filter(created_at__lt=now - hold_max_age(), expires_at__gte=now)
    if holds_since is not None:
        leaked = leaked.filter(created_at__gte=holds_since)
    for team_id, request_id, created_at in leaked.values_list("team_id", "request_id", "created_at").iterator():
        age = now - created_at
        breaches.append(Breach("long-lived hold", teams[team_id].slug, f"hold {request_id} renewed for {age}"))
    return breaches


def _extra_charges() -> list[tuple[str, int]]:
    """Usage records charged more than once (only possible if the one-to-one constraint was lost)."""
    repeated = (
        CreditLedgerEntry.objects.filter(usage__isnull=False)
        .values("usage_id", "team_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    return [(f"usage record #{row['usage_id']} has {row['n']} charges", row["team_id"]) for row in repeated]
