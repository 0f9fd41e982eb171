"""Team credits (team admins): balance, burn rate, run-out date, member spend, model mix, threshold."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from billing.access import admin_teams, team_for_admin
from billing.charts import bar_breakdown, time_series
from billing.forms import ThresholdForm
from billing.reports import SpendFilter, daily_spend, member_spend, spend_by, team_credits
from billing.selectors import team_ledger
from billing.services import team_set_low_balance_threshold


@login_required
def teams_page(request: HttpRequest) -> HttpResponse:
    teams = admin_teams(request.user)
    if len(teams) == 1 and not request.user.is_staff:
        return redirect("billing-team-credits", slug=teams[0].slug)
    return render(request, "billing/teams.html", {"teams": teams})


@login_required
def team_credits_page(request: HttpRequest, slug: str, form: ThresholdForm | None = None) -> HttpResponse:
    team = team_for_admin(request.user, slug)
    spend = SpendFilter.last_days(30, team_id=team.pk)
    context = {
        "team": team,
        "credits": team_credits(team),
        "over_time": time_series("Team spend per day, last 30 days", daily_spend(spend)),
        "model_mix": bar_breakdown("Model mix, last 30 days", [(r.label, r.cost) for r in spend_by(spend, "model")]),
        "members": member_spend(team, spend),
        "ledger": team_ledger(team.pk),
        "form": form or ThresholdForm.for_team(team),
    }
    return render(request, "billing/team_credits.html", context, status=400 if form is not None else 200)


@login_required
@require_POST
def set_threshold(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_for_admin(request.user, slug)
    form = ThresholdForm(request.POST)
    if not form.is_valid():
        return team_credits_page(request, slug, form=form)
    team_set_low_balance_threshold(team=team, threshold=form.cleaned_data["threshold"])
    messages.success(request, "Low-balance threshold saved.")
    return redirect("billing-team-credits", slug=team.slug)
