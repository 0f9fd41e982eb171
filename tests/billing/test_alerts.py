"""Low-balance and soft-budget alerts: recorded once per crossing or period, emailed to team admins and
POSTed to the team's webhook off the request path; a broken webhook never breaks a charge."""

from __future__ import annotations

import datetime as dt
import socket
from decimal import Decimal

import httpx
import pytest
from django.core import mail

from billing.alerts import active_alerts_for_team, wait_for_deliveries
from billing.ledger import grant_credits, reserve_credits, settle_usage
from billing.models import BillingAlert, Budget
from tests.billing.conftest import draft_for
from tests.fake_upstream import Reply

pytestmark = pytest.mark.django_db(transaction=True)


def charge(person, request_id: str, cost: str, now: dt.datetime | None = None) -> None:
    settle_usage(draft_for(person, request_id, cost), now=now)
    wait_for_deliveries()


def test_low_balance_alert_over_http_emails_admins_and_posts_webhook(
    hub_url, upstream, alice, bob, acme, webhook, settings
):
    settings.SITE_URL = "https://hub.example.org"
    acme.low_balance_threshold = Decimal("99.999")
    acme.alert_webhook_url = webhook.url
    acme.save()
    upstream.script("gpt-4.1", Reply(text="ok", prompt_tokens=9, completion_tokens=950))  # $0.007618
    response = httpx.post(
        f"{hub_url}/chat/completions",
        json={"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1000},
        headers={"Authorization": f"Bearer {bob.key}"},
        timeout=20,
    )
    assert response.status_code == 200
    wait_for_deliveries()
    assert webhook.arrived.wait(5)
    [email] = mail.outbox
    assert email.to == ["alice@example.com"]  # the team admin, not bob the member
    # Cents at or above a dollar (the threshold form takes cents; this one was set directly), and a link.
    assert "The team's balance is below $100.00: $99.99 left." in email.subject
    assert "https://hub.example.org/teams/acme/credits/" in email.body  # SITE_URL, never a guessed port
    [payload] = webhook.received
    assert payload["event"] == "billing.low_balance" and payload["team"] == "acme"
    assert Decimal(payload["balance"]) < Decimal("99.999")
    [alert] = active_alerts_for_team(acme)
    assert alert.kind == BillingAlert.LOW_BALANCE and "below $100.00" in alert.message


def test_low_balance_alerts_once_per_crossing_and_rearms_after_a_grant(alice, acme):
    acme.low_balance_threshold = Decimal("99.00")
    acme.save()
    charge(alice, "r1", "0.50")
    assert len(mail.outbox) == 0  # $99.50: still above
    charge(alice, "r2", "0.60")  # $98.90: crosses
    charge(alice, "r3", "0.60")  # still below: no second alert
    assert len(mail.outbox) == 1
    assert active_alerts_for_team(acme).count() == 1

    grant_credits(team=acme, amount=Decimal("5"))  # back above: the banner goes and the alert re-arms
    assert active_alerts_for_team(acme).count() == 0
    charge(alice, "r4", "5.00")
    assert len(mail.outbox) == 2
    assert BillingAlert.objects.filter(kind=BillingAlert.LOW_BALANCE).count() == 2


def test_soft_budget_threshold_alerts_once_per_period(alice, acme, webhook):
    acme.alert_webhook_url = webhook.url
    acme.save()
    budget = Budget.objects.create(team=acme, amount=Decimal("1.00"), period=Budget.MONTHLY, alert_at_percent=80)
    november = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    charge(alice, "r1", "0.70", november)
    assert mail.outbox == []
    charge(alice, "r2", "0.15", november)  # $0.85: past 80%
    charge(alice, "r3", "0.05", november)
    assert len(mail.outbox) == 1
    assert "the monthly budget of $1.00 for team acme is 80% used: $0.85 spent" in mail.outbox[0].subject.lower()
    assert webhook.received[0]["event"] == "billing.budget_threshold"
    assert webhook.received[0]["budget_id"] == budget.pk
    [alert] = active_alerts_for_team(acme, now=november)
    assert alert.budget == budget
    # The banner goes with the period, and the next period alerts again.
    december = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    assert active_alerts_for_team(acme, now=december).count() == 0
    charge(alice, "r4", "0.90", december)
    assert len(mail.outbox) == 2


def test_broken_webhook_never_breaks_the_charge(alice, acme):
    with socket.socket() as probe:  # a loopback port with nobody listening
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    acme.low_balance_threshold = Decimal("99.99")
    acme.alert_webhook_url = f"http://127.0.0.1:{closed_port}/hook"
    acme.save()
    reserve_credits(team_id=acme.pk, request_id="r1", amount=Decimal("0.10"))
    settlement = settle_usage(draft_for(alice, "r1", "0.05"))
    wait_for_deliveries()
    assert settlement.charged == Decimal("0.05")
    assert len(mail.outbox) == 1  # the email still went


def test_no_threshold_no_alert(alice, acme):
    charge(alice, "r1", "99.00")
    assert mail.outbox == [] and not BillingAlert.objects.exists()


def test_an_alert_is_not_posted_to_a_private_address(alice, acme, webhook, settings, caplog):
    acme.low_balance_threshold = Decimal("99.99")
    acme.alert_webhook_url = webhook.url + "/secret-token"  # e.g. saved in the Django admin
    acme.save()
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = False
    charge(alice, "r1", "0.05")
    assert len(mail.outbox) == 1  # the email still went
    assert webhook.received == []
    assert "refused to POST billing alert to http://127.0.0.1:" in caplog.text
    assert "secret-token" not in caplog.text  # the URL's secret part is never logged
