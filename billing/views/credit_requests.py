"""Credit requests: a member asks on their team's page, staff approve or decline in a queue."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from billing.access import is_team_admin, member_teams, staff_required
from billing.credit_requests import (
    credit_request_decide,
    credit_request_open,
    decided_requests,
    open_requests,
    routed_to_leads,
    who_decides,
)
from billing.display import usd_text
from billing.limit_forms import CreditRequestForm, DecisionForm
from billing.models import CreditRequest, Team
from billing.views.team import credits_page
from llmhub.errors import HubError


def _member_team(user: Any, slug: str) -> Team:
    team = Team.objects.filter(slug=slug, memberships__user=user).first()
    if team is None:
        raise Http404(_("No such team."))
    return team


@login_required
def ask_credits_start(request: HttpRequest) -> HttpResponse:
    """The nav's "Ask for credits": straight to the ask page of the person's team, or a choice of their teams."""
    teams = member_teams(request.user)
    if len(teams) == 1:
        return redirect("billing-ask-credits", slug=teams[0].slug)
    return render(request, "billing/ask_credits_teams.html", {"teams": teams})


@login_required
@require_http_methods(["GET", "POST"])
def ask_credits(request: HttpRequest, slug: str) -> HttpResponse:
    """Any member of the team asks for credits; team admins see the same form on the team page."""
    team = _member_team(request.user, slug)
    manages = request.user.is_staff or is_team_admin(request.user, team)
    # The chat's "Ask for credits" suggests an amount (?amount=); the form checks it like a typed one.
    form = CreditRequestForm(request.POST or None, initial={"amount": request.GET.get("amount", "")[:20]})
    if request.method == "POST" and form.is_valid():
        asked = credit_request_open(team=team, by=request.user, **form.cleaned_data)
        told = (
            _("You asked for %(amount)s for %(team)s. The team’s admins are told by email; you will be too.")
            if routed_to_leads(asked)
            else _("You asked for %(amount)s for %(team)s. The hub admins are told by email; you will be too.")
        )
        messages.success(request, told % {"amount": usd_text(asked.amount), "team": team.name})
        return (
            redirect("billing-team-credits", slug=team.slug) if manages else redirect("billing-ask-credits", slug=slug)
        )
    if request.method == "POST" and manages:
        return credits_page(request, team, invalid={"credit_request_form": form})
    mine = CreditRequest.objects.filter(team=team, requested_by_id=request.user.pk).select_related("decided_by")
    context = {
        "team": team,
        "form": form,
        "mine": list(mine.order_by("-created_at")[:10]),
        "manages": manages,
        "decides": who_decides(team),
    }
    return render(request, "billing/ask_credits.html", context, status=400 if form.errors else 200)


@staff_required
def credit_requests_page(request: HttpRequest) -> HttpResponse:
    asked = list(open_requests())
    context = {
        "open": asked,
        "decided": decided_requests(),
        "form": DecisionForm(),
        # Requests the team's own admins may decide too (within the allowance staff set for the team).
        "leads_may_decide": {one.pk for one in asked if routed_to_leads(one)},
    }
    return render(request, "billing/credit_requests.html", context)


@staff_required
@require_POST
def decide_credit_request(request: HttpRequest, request_id: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    approve = request.POST.get("decision") == "approve"
    try:
        asked = credit_request_decide(request_id=request_id, by=request.user, approve=approve, note=note)
    except HubError as exc:
        messages.error(request, exc.message)
        return redirect("billing-credit-requests")
    done = (
        _("Approved: %(amount)s granted to %(team)s.")
        if approve
        else _("Declined the request of %(team)s for %(amount)s.")
    )
    messages.success(request, done % {"amount": usd_text(asked.amount), "team": asked.team.name})
    return redirect("billing-credit-requests")
