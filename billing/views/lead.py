"""Team admins (leads) drill down and decide: a member's page, the team's request list and its CSV, their
members' credit requests within the allowance staff set. Staff see every team's; others get 403 or 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.access import staff_required, team_for_admin
from billing.charts import bar_breakdown, time_series
from billing.credit_requests import credit_request_decide
from billing.csv_export import csv_response, record_rows, refusal_rows
from billing.display import usd_text
from billing.forms import REFUSED, RangeForm, TeamRequestFilterForm
from billing.lead_allowance import allowance_set
from billing.limit_forms import DecisionForm, LeadAllowanceForm
from billing.models import Membership, Team, UsageRecord
from billing.refusals import refusal_counts, refusals_matching
from billing.reports import SpendFilter, daily_spend, spend_by, spend_totals
from billing.selectors import member_key_rows, page_of, team_filter_choices, team_records
from billing.views.paging import page_number, query_without_page
from billing.views.team import credits_page
from llmhub.errors import HubError


def _member_of(team: Team, user_id: int) -> tuple[Any, str]:
    """The member and their role; a former member who spent on the team's credits too. Anyone else: 404."""
    membership = Membership.objects.filter(team=team, user_id=user_id).select_related("user").first()
    if membership is not None:
        return membership.user, membership.get_role_display()
    if UsageRecord.objects.filter(team=team, user_id=user_id).exists():
        return get_user_model().objects.get(pk=user_id), "former member"
    raise Http404(_("No such member."))


@login_required
def member_page(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    team = team_for_admin(request.user, slug)
    member, role = _member_of(team, user_id)
    form = RangeForm(request.GET)
    spend = SpendFilter.last_days(form.days_or_default(), team_id=team.pk, user_id=user_id)
    by_model = spend_by(spend, "model")
    name = member.get_username()
    context = {
        "team": team,
        "member": member,
        "role": role,
        "form": form,
        "spend": spend,
        "totals": spend_totals(spend),
        "over_time": time_series(_("Spend of %(name)s per day") % {"name": name}, daily_spend(spend)),
        "model_chart": bar_breakdown(
            _("Spend of %(name)s by model") % {"name": name}, [(r.label, r.cost) for r in by_model]
        ),
        "by_model": by_model,
        "keys": member_key_rows(team, user_id),
        "refusals": refusal_counts(spend),
        "refused": list(refusals_matching(spend)[:20]),
    }
    return render(request, "billing/member.html", context)


def _request_filter(request: HttpRequest, team: Team) -> TeamRequestFilterForm:
    return TeamRequestFilterForm(request.GET or None, team=team, choices=team_filter_choices(team))


@login_required
def team_requests(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_for_admin(request.user, slug)
    form = _request_filter(request, team)
    spend, status = form.spend_filter(), form.chosen_status()
    listed = refusals_matching(spend) if status == REFUSED else team_records(spend, status)
    page = page_of(listed, page_number(request), listed.count())
    context = {
        "team": team,
        "form": form,
        "spend": spend,
        "refused": status == REFUSED,
        "page": page,
        "query": query_without_page(request),
    }
    return render(request, "billing/team_requests.html", context)


@login_required
def team_requests_export(request: HttpRequest, slug: str) -> HttpResponseBase:
    team = team_for_admin(request.user, slug)
    form = _request_filter(request, team)
    spend, status = form.spend_filter(), form.chosen_status()
    name = f"{team.slug}-requests-{spend.start}-{spend.end}"
    if status == REFUSED:
        return csv_response(refusal_rows(refusals_matching(spend)), f"{name}-refused.csv")
    return csv_response(record_rows(team_records(spend, status)), f"{name}.csv")


@login_required
@require_POST
def decide_team_credit_request(request: HttpRequest, slug: str, request_id: int) -> HttpResponse:
    """A lead decides within the team's allowance; staff deciding here decide as staff (no allowance)."""
    team = team_for_admin(request.user, slug)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    approve = request.POST.get("decision") == "approve"
    lead_of = None if request.user.is_staff else team
    try:
        asked = credit_request_decide(
            request_id=request_id, by=request.user, approve=approve, note=note, lead_of=lead_of
        )
    except HubError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
        return redirect("billing-team-credits", slug=team.slug)
    done = (
        _("Approved: %(amount)s granted to %(team)s.")
        if approve
        else _("Declined the request of %(team)s for %(amount)s.")
    )
    messages.success(request, done % {"amount": usd_text(asked.amount), "team": team.name})
    return redirect("billing-team-credits", slug=team.slug)


@staff_required
@require_POST
def set_lead_allowance(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_for_admin(request.user, slug)
    form = LeadAllowanceForm(request.POST)
    if not form.is_valid():
        return credits_page(request, team, invalid={"allowance_form": form})
    allowance_set(team=team, by=request.user, **form.cleaned_data)
    messages.success(request, _("What the team admins may approve is saved."))
    return redirect("billing-team-credits", slug=team.slug)
