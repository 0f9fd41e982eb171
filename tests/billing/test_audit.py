"""audit_ledger: clean books pass; each breach, built in the database, fails the command and is named."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.ledger import reserve_credits, settle_usage
from billing.models import CreditHold, CreditLedgerEntry, Team, UsageRecord
from tests.billing.conftest import draft_for

pytestmark = [pytest.mark.django_db, pytest.mark.ledger_breach]


def _audit(capsys) -> tuple[int, str]:
    try:
        call_command("audit_ledger")
    except SystemExit as exc:
        return int(exc.code or 0), capsys.readouterr().err
    return 0, capsys.readouterr().out


def test_clean_ledger_passes(alice, acme, charlie, globex, capsys):
    reserve_credits(team_id=acme.pk, request_id="r1", amount=Decimal("1"), user_id=alice.user.pk)
    settle_usage(draft_for(alice, "r1", "0.25"))
    reserve_credits(team_id=globex.pk, request_id="in-flight", amount=Decimal("2"), user_id=charlie.user.pk)
    assert _audit(capsys) == (0, "audit_ledger: the books are whole\n")


def test_balance_that_disagrees_with_the_ledger_is_a_breach(acme, capsys):
    Team.objects.filter(pk=acme.pk).update(balance=Decimal("120"))
    code, err = _audit(capsys)
    assert code == 1 and "balance [team acme]" in err


def test_reserved_without_holds_is_a_breach(acme, capsys):
    Team.objects.filter(pk=acme.pk).update(reserved=Decimal("3"))
    code, err = _audit(capsys)
    assert code == 1 and "reserved [team acme]" in err


def test_usage_record_without_a_charge_is_a_breach(alice, acme, capsys):
    settle_usage(draft_for(alice, "r1", "0.25"))
    entry = CreditLedgerEntry.objects.get(kind="charge")
    CreditLedgerEntry.objects.filter(pk=entry.pk).update(usage=None, kind="adjust")
    code, err = _audit(capsys)
    assert code == 1 and "charge per usage [team acme]: usage record r1 has no charge" in err


def test_charge_without_a_usage_record_is_a_breach(alice, acme, capsys):
    CreditLedgerEntry.objects.create(team=acme, kind="charge", amount=Decimal("-1"), balance_after=Decimal("99"))
    Team.objects.filter(pk=acme.pk).update(balance=Decimal("99"))
    code, err = _audit(capsys)
    assert code == 1 and "orphan charge [team acme]" in err and "balance [team" not in err


def test_charge_for_another_teams_usage_is_a_breach(alice, acme, charlie, globex, capsys):
    settle_usage(draft_for(alice, "r1", "0.25"))
    UsageRecord.objects.filter(request_id="r1").update(team=globex)
    code, err = _audit(capsys)
    assert code == 1 and "another team's usage" in err


def test_hold_past_its_ttl_is_a_breach(alice, acme, capsys):
    long_ago = timezone.now() - dt.timedelta(days=1)
    reserve_credits(team_id=acme.pk, request_id="stale", amount=Decimal("1"), user_id=alice.user.pk, now=long_ago)
    code, err = _audit(capsys)
    assert code == 1 and "stale hold [team acme]: hold stale expired" in err


def test_hold_renewed_longer_than_any_request_lives_is_a_breach(alice, acme, capsys, settings):
    settings.HOLD_MAX_AGE_SECONDS = 600
    leaked_at = timezone.now() - dt.timedelta(minutes=25)
    reserve_credits(team_id=acme.pk, request_id="leaked", amount=Decimal("1"), user_id=alice.user.pk, now=leaked_at)
    CreditHold.objects.filter(request_id="leaked").update(expires_at=timezone.now() + dt.timedelta(seconds=60))
    code, err = _audit(capsys)
    assert code == 1 and "long-lived hold [team acme]: hold leaked renewed for 0:25:" in err


def test_negative_balance_is_a_breach(acme, capsys):
    CreditLedgerEntry.objects.create(team=acme, kind="adjust", amount=Decimal("-150"), balance_after=Decimal("-50"))
    Team.objects.filter(pk=acme.pk).update(balance=Decimal("-50"))
    code, err = _audit(capsys)
    assert code == 1 and "negative balance [team acme]" in err


def test_hold_left_in_flight_is_not_a_breach(alice, acme, capsys):
    reserve_credits(team_id=acme.pk, request_id="live", amount=Decimal("1"), user_id=alice.user.pk)
    assert CreditHold.objects.exists()
    assert _audit(capsys)[0] == 0


def test_hold_dated_before_the_audit_window_is_left_to_the_full_audit(alice, acme):
    from billing.audit import audit_ledger

    long_ago = timezone.now() - dt.timedelta(days=1)
    reserve_credits(team_id=acme.pk, request_id="dated", amount=Decimal("1"), user_id=alice.user.pk, now=long_ago)
    assert audit_ledger(holds_since=timezone.now() - dt.timedelta(minutes=1)) == []
    assert [b.rule for b in audit_ledger()] == ["stale hold"]


@pytest.mark.django_db(transaction=True)
def test_the_audit_sees_the_books_at_one_moment_though_a_request_settles_while_it_reads(alice, acme, monkeypatch):
    import threading

    from django.db import connections

    from billing import audit

    reserve_credits(team_id=acme.pk, request_id="settling", amount=Decimal("1"), user_id=alice.user.pk)
    sums, calls = audit._sums, []

    def settle_elsewhere() -> None:
        settle_usage(draft_for(alice, "settling", "0.5"))
        connections.close_all()

    worker = threading.Thread(target=settle_elsewhere)

    def settle_between_reads(rows):
        calls.append(1)
        if len(calls) == 2:  # the teams and their ledger are read; the holds are next: settle now, elsewhere
            worker.start()
            worker.join(timeout=3)  # PostgreSQL: settled by now; SQLite: it waits for the audit's transaction
        return sums(rows)

    monkeypatch.setattr(audit, "_sums", settle_between_reads)
    assert [b for b in audit.audit_ledger() if b.rule != "balance"] == []
    worker.join(10)
    assert not CreditHold.objects.filter(request_id="settling").exists()  # it did settle
