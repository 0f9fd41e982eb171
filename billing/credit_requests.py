"""Credit requests: a team member asks for credits, staff approve (a grant in the ledger) or decline, and so
may the team's admins within the allowance staff set (billing/lead_allowance.py). Whoever may decide is
emailed when one is opened, the requester and the team admins when it is decided."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.audit_log import Target, record
from billing.display import usd_text
from billing.lead_allowance import allowance_of, check_lead_decision, lead_may_decide
from billing.ledger import grant_credits
from billing.models import CreditRequest, Membership, Team
from billing.money import to_usd
from llmhub.errors import InvalidRequest, NotFound

log = logging.getLogger("llmhub.billing.credit_requests")


@dataclass(frozen=True)
class Deciders:
    """Who decides a team's credit requests, as the member is told."""

    label: str  # "the hub's staff"
    team_has_admin: bool  # a team with no admin still reaches staff: they decide every team's requests


def who_decides(team: Team) -> Deciders:
    """Who decides the team's credit requests: its admins within the allowance staff set them, staff above it
    (staff's queue lists every team's requests, whether or not the team has an admin)."""
    has_admin = Membership.objects.filter(team=team, role=Membership.ADMIN, user__is_active=True).exists()
    if has_admin and allowance_of(team) is not None:
        return Deciders(label=_("your team's admins, or the hub's staff above their allowance"), team_has_admin=True)
    return Deciders(label=_("the hub's staff"), team_has_admin=has_admin)


def credit_request_open(*, team: Team, by: Any, amount: Decimal, reason: str) -> CreditRequest:
    """A member of `team` asks for credits; the hub admins are emailed."""
    if not Membership.objects.filter(team=team, user=by).exists():
        raise NotFound("No such team.")
    if amount <= 0:
        raise InvalidRequest("Ask for a positive amount.", param="amount")
    asked = CreditRequest.objects.create(team=team, requested_by=by, amount=to_usd(amount), reason=reason.strip())
    leads = _leads_who_may_decide(asked)
    where = reverse("billing-team-credits", args=[team.slug]) if leads else reverse("billing-credit-requests")
    deciders = leads or list(
        get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="").values_list("email", flat=True)
    )
    _mail(
        f"[LLM Hub] {team.name} asks for {usd_text(asked.amount)} of credits",
        f"{by.get_username()} asks for {usd_text(asked.amount)} for team {team.name} ({team.slug}):\n\n"
        f"{asked.reason}\n\nApprove or decline: {settings.SITE_URL}{where}\n",
        deciders,
    )
    return asked


def _leads_who_may_decide(asked: CreditRequest) -> list[str]:
    """The emails of the team's admins who may decide this request within their allowance (none: staff)."""
    allowance = allowance_of(asked.team)
    admins = Membership.objects.filter(team=asked.team, role=Membership.ADMIN, user__is_active=True).select_related(
        "user"
    )
    return [m.user.email for m in admins if m.user.email and lead_may_decide(asked, allowance, m.user)]


def routed_to_leads(asked: CreditRequest) -> bool:
    """Whether the team's admins may decide this request (else it waits for the hub admins)."""
    return bool(_leads_who_may_decide(asked))


def credit_request_decide(
    *, request_id: int, by: Any, approve: bool, note: str = "", lead_of: Team | None = None
) -> CreditRequest:
    """Approve (grant the amount, linked to the request) or decline an open request, exactly once.

    `lead_of`: decided by an admin of that team, who may decide only its requests within its allowance."""
    with transaction.atomic():
        asked = CreditRequest.objects.select_for_update().filter(pk=request_id).first()
        if asked is None or (lead_of is not None and asked.team_id != lead_of.pk):
            raise NotFound("No such credit request.")
        if asked.state != CreditRequest.OPEN:
            raise InvalidRequest(f"This request was already {asked.state}.", param="request")
        if lead_of is not None:
            check_lead_decision(asked, by)
            asked.decided_by_lead = True
        team = Team.objects.get(pk=asked.team_id)
        if approve:
            memo = f"Credit request #{asked.pk} by {asked.requested_by.get_username()}: {asked.reason}"
            asked.grant = grant_credits(team=team, amount=asked.amount, memo=memo[:300], by=by)
        asked.state = CreditRequest.APPROVED if approve else CreditRequest.DECLINED
        asked.decided_by, asked.decided_at, asked.note = by, timezone.now(), note.strip()[:300]
        asked.save(update_fields=["grant", "state", "decided_by", "decided_at", "note", "decided_by_lead"])
        _audit(asked, team, by)
    _tell_team(asked, team)
    return asked


def _audit(asked: CreditRequest, team: Team, by: Any) -> None:
    """One entry per decision; an approval's grant is its ledger row, named here rather than logged again."""
    label = f"{usd_text(asked.amount)} by {asked.requested_by.get_username()}"
    after: dict[str, Any] = {"state": asked.state, "note": asked.note}
    if asked.grant is not None:
        after |= {"ledger_entry": asked.grant.pk, "balance": asked.grant.balance_after}
    target = Target.of("credit_request", asked.pk, label, team)
    record(
        by, f"credit_request.{'approve' if asked.grant else 'decline'}", target, {"state": CreditRequest.OPEN}, after
    )


def _tell_team(asked: CreditRequest, team: Team) -> None:
    """The requester gets a link to their own requests (a page they can open); the team's admins, to its credits."""
    admins = Membership.objects.filter(team=team, role=Membership.ADMIN, user__is_active=True).exclude(user__email="")
    admin_emails = set(admins.values_list("user__email", flat=True)) - {asked.requested_by.email, ""}
    what = "approved" if asked.state == CreditRequest.APPROVED else "declined"
    note = (
        f"\n\nNote from {asked.decided_by.get_username() if asked.decided_by else 'staff'}: {asked.note}"
        if asked.note
        else ""
    )
    granted = f" The team's balance is now {usd_text(team.balance)}." if asked.grant else ""
    subject = f"[LLM Hub] Credit request for {team.name} {what}: {usd_text(asked.amount)}"
    told = f"The request for {usd_text(asked.amount)} by {asked.requested_by.get_username()} was {what}.{granted}{note}"
    mine = f"{settings.SITE_URL}{reverse('billing-ask-credits', args=[team.slug])}"
    _mail(
        subject,
        f"{told}\n\nYour credit requests: {mine}\n",
        [asked.requested_by.email] if asked.requested_by.email else [],
    )
    credits = f"{settings.SITE_URL}{reverse('billing-team-credits', args=[team.slug])}"
    _mail(subject, f"{told}\n\nTeam credits: {credits}\n", sorted(admin_emails))


def _mail(subject: str, body: str, recipients: list[str]) -> None:
    if not recipients:
        return
    try:
        send_mail(subject[:200], body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # the decision is recorded and shown on the page either way
        log.exception("could not email a credit request notice to %s", recipients)


def open_requests() -> QuerySet[CreditRequest]:
    return (
        CreditRequest.objects.filter(state=CreditRequest.OPEN)
        .select_related("team", "requested_by")
        .order_by("created_at")
    )


def open_requests_of(team: Team) -> list[CreditRequest]:
    return list(open_requests().filter(team=team))


def recent_requests(team: Team, limit: int = 10) -> list[CreditRequest]:
    return list(team.credit_requests.select_related("requested_by", "decided_by").order_by("-created_at")[:limit])


def decided_requests(limit: int = 20) -> list[CreditRequest]:
    return list(
        CreditRequest.objects.exclude(state=CreditRequest.OPEN)
        .select_related("team", "requested_by", "decided_by")
        .order_by("-decided_at")[:limit]
    )
