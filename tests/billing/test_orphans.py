"""Orphaned holds (their process died): settled once as interrupted from their metering facts, never
released uncharged; live holds renewed by the heartbeat are left alone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.ledger import HoldMeter, reserve_credits, settle_usage
from billing.models import CreditHold, CreditLedgerEntry, UsageRecord
from billing.orphans import checkpoint_hold, renew_holds, settle_expired_holds
from tests.billing.conftest import draft_for

LONG_AGO = timezone.now() - dt.timedelta(days=1)
METER = HoldMeter(
    source="api", model_requested="gpt-4o", model_served="gpt-4o", provider="aisa", stream=True, prompt_tokens=12,
    cost=Decimal("0.001"), client_tool="claude-code", dropped="thinking,system.cache_control",
)  # fmt: skip


def _crashed_hold(person, team, request_id: str = "crashed", now: dt.datetime = LONG_AGO) -> None:
    reserve_credits(
        team_id=team.pk, request_id=request_id, amount=Decimal("0.50"), user_id=person.user.pk, meter=METER,
        now=now,
    )  # fmt: skip


@pytest.mark.django_db
def test_hold_carries_the_requests_metering_facts(alice, acme):
    reserve_credits(team_id=acme.pk, request_id="r1", amount=Decimal("0.50"), user_id=alice.user.pk, meter=METER)
    hold = CreditHold.objects.get()
    assert (hold.user_id, hold.model_requested, hold.prompt_tokens, hold.cost) == (
        alice.user.pk, "gpt-4o", 12, Decimal("0.001"),
    )  # fmt: skip
    assert hold.seen_at is not None
    assert hold.client_tool == "claude-code"
    assert hold.dropped == "thinking,system.cache_control"


@pytest.mark.django_db
def test_orphaned_hold_settles_as_interrupted_with_its_checkpointed_output(alice, acme):
    _crashed_hold(alice, acme)
    checkpoint_hold(
        request_id="crashed", completion_tokens=30, cost=Decimal("0.0042"), model_served="gpt-4o", provider="aisa",
        now=LONG_AGO,
    )  # fmt: skip
    assert settle_expired_holds() == 1
    record = UsageRecord.objects.get()
    assert (record.status, record.error_code) == ("interrupted", "process_died")
    assert (record.prompt_tokens, record.completion_tokens, record.cost) == (12, 30, Decimal("0.0042"))
    assert record.user_id == alice.user.pk and record.stream
    assert record.client_tool == "claude-code"  # a crash does not lose which tool sent the request
    assert record.dropped == "thinking,system.cache_control"  # nor what its upstream did not get
    charge = CreditLedgerEntry.objects.get(kind="charge")
    assert charge.usage == record and charge.amount == Decimal("-0.0042")
    acme.refresh_from_db()
    assert (acme.balance, acme.reserved) == (Decimal("100") - Decimal("0.0042"), Decimal("0"))
    assert not CreditHold.objects.exists()


@pytest.mark.django_db
def test_orphan_with_no_output_is_charged_its_prompt_not_released(alice, acme):
    _crashed_hold(alice, acme)
    settle_expired_holds()
    assert UsageRecord.objects.get().cost == Decimal("0.001")


@pytest.mark.django_db
def test_sweeping_twice_settles_an_orphan_once(alice, acme):
    _crashed_hold(alice, acme)
    settle_expired_holds()
    assert settle_expired_holds() == 0
    assert UsageRecord.objects.count() == 1
    assert CreditLedgerEntry.objects.filter(kind="charge").count() == 1


@pytest.mark.django_db
def test_a_late_settlement_after_the_sweep_charges_nothing_more(alice, acme):
    _crashed_hold(alice, acme)
    settle_expired_holds()
    settle_usage(draft_for(alice, "crashed", "0.30"))
    assert CreditLedgerEntry.objects.filter(kind="charge").count() == 1
    acme.refresh_from_db()
    assert acme.balance == Decimal("100") - Decimal("0.001")


@pytest.mark.django_db
def test_orphan_is_charged_to_its_own_team_only(alice, acme, charlie, globex):
    _crashed_hold(alice, acme)
    settle_expired_holds()
    globex.refresh_from_db()
    assert globex.balance == Decimal("50") and not UsageRecord.objects.filter(team=globex).exists()


@pytest.mark.django_db
def test_live_hold_is_not_swept(alice, acme):
    reserve_credits(team_id=acme.pk, request_id="live", amount=Decimal("0.50"), user_id=alice.user.pk, meter=METER)
    assert settle_expired_holds() == 0
    assert CreditHold.objects.filter(request_id="live").exists()


@pytest.mark.django_db
def test_heartbeat_renews_a_hold_past_its_old_expiry(alice, acme):
    _crashed_hold(alice, acme, now=timezone.now() - dt.timedelta(minutes=5))
    assert renew_holds(["crashed"]) == 1
    assert settle_expired_holds() == 0
    assert CreditHold.objects.get().expires_at > timezone.now()


@pytest.mark.django_db
def test_heartbeat_stops_renewing_a_hold_older_than_any_request_lives(alice, acme, settings):
    settings.HOLD_MAX_AGE_SECONDS = 600
    # A one-minute TTL, whatever an earlier test's live hub set the sweep interval to (the TTL is at least two).
    settings.HOLD_TTL_SECONDS, settings.HOLD_SWEEP_INTERVAL_SECONDS = 60, 10
    _crashed_hold(alice, acme, now=timezone.now() - dt.timedelta(minutes=11))  # its request never settled
    assert renew_holds(["crashed"]) == 0
    assert settle_expired_holds() == 1
    assert UsageRecord.objects.get(request_id="crashed").status == "interrupted"


@pytest.mark.django_db
def test_checkpoint_renews_the_hold(alice, acme):
    _crashed_hold(alice, acme)
    checkpoint_hold(request_id="crashed", completion_tokens=5, cost=Decimal("0.002"), model_served="gpt-4o",
                    provider="aisa")  # fmt: skip
    assert settle_expired_holds() == 0


@pytest.mark.django_db
def test_checkpoint_after_settlement_writes_nothing(alice, acme):
    assert checkpoint_hold(request_id="gone", completion_tokens=5, cost=Decimal("1"), model_served="m",
                           provider="p") == 0  # fmt: skip


@pytest.mark.django_db
def test_release_holds_command_settles_orphans(alice, acme, capsys):
    _crashed_hold(alice, acme)
    call_command("release_holds")
    assert "settled or released 1 expired hold" in capsys.readouterr().out
    assert UsageRecord.objects.get().status == "interrupted"
