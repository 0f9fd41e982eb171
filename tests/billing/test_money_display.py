"""Money as people read it: cents at or above $1, more places below, never Decimal artefacts (0E-8)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from billing import alerts
from billing.display import exact_amount, format_usd, in_seconds, usd_text
from billing.models import BillingAlert, Team
from billing.refusal_wording import insufficient_credits_message, lowered_cap_notice
from chat.generation import explain
from chat.message_view import format_credits
from llmhub.errors import InsufficientCredits, RateLimited


@pytest.mark.parametrize(
    ("amount", "words", "exact"),
    [
        ("34.50000000", "$34.50", "34.50"),
        ("-34.50000000", "-$34.50", "-34.50"),
        ("1234.5", "$1,234.50", "1234.50"),
        ("0.26", "$0.26", "0.26"),
        ("0.00100000", "$0.001", "0.001"),
        ("0.00012345", "$0.00012345", "0.00012345"),
        ("0E-8", "$0.00", "0.00"),
        ("1E+2", "$100.00", "100.00"),
    ],
)
def test_money_in_sentences_and_exports(amount, words, exact):
    assert usd_text(Decimal(amount)) == words
    assert exact_amount(Decimal(amount)) == exact


def test_pages_show_cents_above_a_dollar_and_four_places_below():
    assert format_usd(Decimal("12.34567")) == "$12.35"
    assert format_usd(Decimal("0.12345")) == "$0.1235"
    assert format_usd(Decimal("0E-8")) == "$0.00"


def test_chat_credits_show_cents_above_a_dollar():
    assert format_credits(Decimal("25.12345678")) == "$25.12"
    assert format_credits(Decimal("0.12345678")) == "$0.1235"


def test_waits_are_pluralised():
    assert in_seconds(0.2) == "1 second" and in_seconds(1.5) == "2 seconds"
    assert "about 1 second," in explain(RateLimited("slow", retry_after=0.4))


def test_the_chat_names_a_budget_refusal_instead_of_saying_out_of_credits():
    from billing.budgets import BudgetExceeded

    refused = BudgetExceeded("Budget exceeded: bob's monthly cap of $5.00 on team acme does not cover this request.")
    assert "bob's monthly cap of $5.00" in explain(refused)
    from billing.refusal_wording import insufficient_credits_message

    short = insufficient_credits_message(hold=Decimal("0.26"), available=Decimal("0.10"), output_cap=4096)
    assert explain(InsufficientCredits(short)) == short  # every 402 names its own cause


def test_a_credits_refusal_names_the_hold_and_how_to_lower_it():
    message = insufficient_credits_message(hold=Decimal("0.26"), available=Decimal("0.1"), output_cap=32768)
    assert "may cost up to $0.26, held in full" in message and "$0.10 available" in message
    assert "Lower max_tokens" in message and "32,768 output tokens" in message
    assert "request credits" in insufficient_credits_message(hold=Decimal("1"), available=Decimal("-1"))


def test_the_lowered_cap_notice_names_both_caps():
    assert "from 32,768 to 12,250 tokens" in lowered_cap_notice(asked=32768, granted=12250)


@pytest.mark.django_db
def test_an_adjustment_is_confirmed_in_cents(client, staff, acme):
    client.force_login(staff.user)
    response = client.post(
        "/staff/credits/", {"team": acme.pk, "kind": "adjust", "amount": "-34.5", "memo": "fix"}, follow=True
    )
    assert "Adjustment of -$34.50 recorded for Acme." in response.content.decode()
    assert "-34.50000000" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_threshold_saved_while_already_below_it_alerts_once(client, alice, acme):
    client.force_login(alice.user)
    client.post("/teams/acme/credits/threshold/", {"threshold": "500"})
    alerts.wait_for_deliveries()
    [alert] = BillingAlert.objects.filter(team=acme, kind=BillingAlert.LOW_BALANCE, resolved_at__isnull=True)
    assert alert.message == "The team's balance is below $500.00: $100.00 left."
    [email] = mail.outbox
    assert "$500.00" in email.subject and "/teams/acme/credits/" in email.body
    client.post("/teams/acme/credits/threshold/", {"threshold": "600"})  # still below, still the same episode
    alerts.wait_for_deliveries()
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_threshold_saved_above_the_balance_does_not_alert(client, alice, acme):
    client.force_login(alice.user)
    client.post("/teams/acme/credits/threshold/", {"threshold": "5"})
    alerts.wait_for_deliveries()
    assert not BillingAlert.objects.exists() and not mail.outbox


@pytest.mark.django_db
def test_exports_never_show_exponent_artefacts(client, staff, alice, spend):
    spend(alice, "0")
    client.force_login(staff.user)
    body = b"".join(client.get("/staff/spend/export.csv")).decode()
    assert "0E-8" not in body and "E-" not in body
    assert Team.objects.get(slug="acme").balance == Decimal("100")
