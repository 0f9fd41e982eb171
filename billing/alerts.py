"""Billing alerts: a team's balance crossing its low-balance threshold, a budget crossing its soft threshold.

Each alert is recorded once (a unique key per crossing or period, written in the ledger's transaction),
then emailed to the team admins and POSTed to the team's webhook on a background thread after commit,
so a slow mail server or webhook never delays or fails a request. A team admin's test alert is sent at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from billing.budgets import Crossing, describe, resets_wording, usd
from billing.display import exact_amount
from billing.models import BillingAlert, CreditLedgerEntry, Membership, Team
from billing.webhooks import masked_webhook_url, post_webhook

log = logging.getLogger("llmhub.billing.alerts")
_sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llmhub-alerts")
_pending: set[Future[None]] = set()


@dataclass(frozen=True)
class Notice:
    """Everything a delivery needs, gathered before it leaves the database thread."""

    subject: str
    body: str
    recipients: list[str]
    webhook_url: str
    payload: dict[str, Any]


def active_alerts_for_team(team: Team, now: dt.datetime | None = None) -> QuerySet[BillingAlert]:
    """Alerts to show as a banner: unresolved, and for budgets, still in their period."""
    now = now or timezone.now()
    return BillingAlert.objects.filter(team=team, resolved_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def note_balance_change(team: Team, before: Decimal, entry: CreditLedgerEntry) -> None:
    """Raise a low-balance alert when a movement takes the balance below the threshold; re-arm above it.

    Call inside the transaction that moved the balance, with the team row locked.
    """
    threshold = team.low_balance_threshold
    if threshold is None:
        return
    after = entry.balance_after
    if after >= threshold:
        if entry.kind == CreditLedgerEntry.CHARGE:
            return  # a charge never lifts a balance: only grants and adjustments re-arm (no write per request)
        BillingAlert.objects.filter(team=team, kind=BillingAlert.LOW_BALANCE, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
        return
    if before < threshold:
        return  # already below: alerted when it crossed
    _raise_low_balance(team, threshold, after, dedupe_key=f"low_balance:{entry.pk}")


def note_threshold_set(team: Team) -> None:
    """A threshold saved while the balance is already below it alerts at once (there will be no crossing);
    one saved above it resolves an open low-balance alert. Call inside a transaction."""
    threshold = team.low_balance_threshold
    open_alerts = BillingAlert.objects.filter(team=team, kind=BillingAlert.LOW_BALANCE, resolved_at__isnull=True)
    if threshold is None or team.balance >= threshold:
        open_alerts.update(resolved_at=timezone.now())
        return
    stamp = timezone.now().isoformat()
    _raise_low_balance(team, threshold, team.balance, dedupe_key=f"low_balance:set:{team.pk}:{stamp}")


def _raise_low_balance(team: Team, threshold: Decimal, balance: Decimal, *, dedupe_key: str) -> None:
    if BillingAlert.objects.filter(team=team, kind=BillingAlert.LOW_BALANCE, resolved_at__isnull=True).exists():
        return
    message = f"The team's balance is below {usd(threshold)}: {usd(balance)} left."
    alert = BillingAlert.objects.create(
        team=team, kind=BillingAlert.LOW_BALANCE, dedupe_key=dedupe_key, message=message, threshold=threshold
    )
    _notify_on_commit(alert, {"balance": exact_amount(balance)})


def note_budget_crossings(crossings: list[Crossing], now: dt.datetime) -> None:
    """Record one alert per budget per period for each soft threshold crossed (inside the ledger's transaction)."""
    for crossing in crossings:
        budget, period = crossing.budget, crossing.period
        key = f"budget:{budget.pk}:{period.start.isoformat()}"
        if BillingAlert.objects.filter(dedupe_key=key).exists():
            continue
        what = describe(budget)
        message = (
            f"{what[:1].upper()}{what[1:]} is {budget.alert_at_percent}% used: "
            f"{usd(crossing.spent)} spent. {resets_wording(period, now)}"
        )
        alert = BillingAlert.objects.create(
            team=budget.team,
            kind=BillingAlert.BUDGET_THRESHOLD,
            budget=budget,
            dedupe_key=key,
            message=message,
            threshold=crossing.threshold,
            expires_at=period.end,
        )
        extra = {"budget_id": budget.pk, "spent": exact_amount(crossing.spent), "limit": exact_amount(budget.amount)}
        _notify_on_commit(alert, extra)


def _notify_on_commit(alert: BillingAlert, extra: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _dispatch(alert, extra))


def _dispatch(alert: BillingAlert, extra: dict[str, Any]) -> None:
    team = Team.objects.get(pk=alert.team_id)  # fresh: settlement passes a partial, locked snapshot
    recipients = list(
        Membership.objects.filter(team=team, role=Membership.ADMIN, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    payload = {
        "event": f"billing.{alert.kind}",
        "team": team.slug,
        "message": alert.message,
        "threshold": exact_amount(alert.threshold),
        "created_at": alert.created_at.isoformat(),
        **extra,
    }
    notice = Notice(
        subject=f"[LLM Hub] {team.name}: {alert.message}"[:200],
        body=(
            f"{alert.message}\n\nTeam: {team.name} ({team.slug})\n"
            f"Balance, burn rate and budgets: {settings.SITE_URL}{reverse('billing-team-credits', args=[team.slug])}\n"
        ),
        recipients=recipients,
        webhook_url=team.alert_webhook_url,
        payload=payload,
    )
    future = _sender.submit(deliver, notice)
    _pending.add(future)
    future.add_done_callback(_pending.discard)


def deliver(notice: Notice) -> None:
    """Send the email and POST the webhook; log failures, never raise (nobody is waiting on this)."""
    if notice.recipients:
        try:
            send_mail(notice.subject, notice.body, settings.DEFAULT_FROM_EMAIL, notice.recipients)
        except Exception:
            log.exception("could not email billing alert to %s", notice.recipients)
    if notice.webhook_url:
        host = masked_webhook_url(notice.webhook_url)  # the full URL carries the receiver's secret: never logged
        try:
            response = post_webhook(notice.webhook_url, notice.payload)
        except ValidationError as refused:
            log.warning("refused to POST billing alert to %s: %s", host, " ".join(refused.messages))
        except Exception:
            log.warning("could not POST billing alert to %s", host, exc_info=True)
        else:
            if response.is_error:
                log.warning("billing alert webhook %s answered %s", host, response.status_code)


@dataclass(frozen=True)
class WebhookCheck:
    """The outcome of a test alert, in words for the person who pressed the button."""

    delivered: bool
    message: str


def send_test_alert(team: Team, *, sent_by: str) -> WebhookCheck:
    """POST a payload marked as a test to the team's webhook, now, and say what happened."""
    url = team.alert_webhook_url
    if not url:
        return WebhookCheck(False, "There is no webhook URL to test: save one first.")
    payload = {
        "event": "billing.test",
        "test": True,
        "team": team.slug,
        "message": f"Test alert from LLM Hub, sent by {sent_by}: nothing happened to the team's balance or budgets.",
        "created_at": timezone.now().isoformat(),
    }
    try:
        response = post_webhook(url, payload)
    except ValidationError as refused:
        return WebhookCheck(False, f"The test alert was not sent: {' '.join(refused.messages)}")
    except httpx.TimeoutException:
        return WebhookCheck(False, f"The webhook did not answer within {settings.ALERT_WEBHOOK_TIMEOUT:g} s.")
    except httpx.HTTPError as error:
        return WebhookCheck(False, f"The test alert could not be delivered: {error or type(error).__name__}.")
    answer = f"{response.status_code} {response.reason_phrase}".strip()
    if response.is_success:
        return WebhookCheck(True, f"Test alert delivered: the webhook answered {answer}.")
    return WebhookCheck(False, f"The webhook answered {answer}: it did not accept the test alert.")


def wait_for_deliveries(timeout: float = 10.0) -> None:
    """Block until queued alert deliveries are done (tests, and graceful shutdown)."""
    for future in list(_pending):
        future.result(timeout=timeout)
