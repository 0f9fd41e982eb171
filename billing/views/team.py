"""Team credits (team admins): balance, burn rate, run-out date, member spend, model mix, alert settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.access import admin_teams, is_team_admin, team_for_admin, team_for_team_admin
from billing.alerts import send_test_alert
from billing.budgets import spent_this_period
from billing.charts import bar_breakdown, time_series
from billing.credit_requests import open_requests_of, recent_requests
from billing.forms import ThresholdForm, WebhookForm
from billing.lead_allowance import allowance_of, lead_may_decide
from billing.limit_forms import BudgetForm, CreditRequestForm, DecisionForm, LeadAllowanceForm
from billing.limits import team_budgets
from billing.models import Team
from billing.refusals import recent_refusals, refusal_counts
from billing.reports import (
    TEAM_SORTS,
    SpendFilter,
    daily_spend,
    member_spend,
    spend_by,
    team_credits,
    teams_overview,
    tool_choices,
)
from billing.selectors import team_key_rows, team_ledger
from billing.services import team_set_alert_webhook, team_set_low_balance_threshold
from billing.webhooks import masked_webhook_url


@login_required
def teams_page(request: HttpRequest) -> HttpResponse:
    if request.user.is_staff:
        sort = request.GET.get("sort", "runs_out")
        sort = sort if sort in TEAM_SORTS else "runs_out"
        return render(request, "billing/teams.html", {"overview": teams_overview(sort), "sort": sort})
    teams = admin_teams(request.user)
    if len(teams) == 1:
        return redirect("billing-team-credits", slug=teams[0].slug)
    return render(request, "billing/teams.html", {"teams": teams})


@login_required
def team_credits_page(request: HttpRequest, slug: str) -> HttpResponse:
    return credits_page(request, team_for_admin(request.user, slug))


def credits_page(request: HttpRequest, team: Team, *, invalid: dict[str, Any] | None = None) -> HttpResponse:
    """The page, or (with `invalid`: a form by its context name) the page again with that form's errors, as 400."""
    spend = SpendFilter.last_days(30, team_id=team.pk)
    # ?tool= narrows the spend charts and member table to the requests one tool sent.
    narrowed = spend.with_tool(request.GET.get("tool", ""))
    invalid = invalid or {}
    budgets = list(team_budgets(team))
    allowance = allowance_of(team)
    context = {
        "team": team,
        "credits": team_credits(team),
        "over_time": time_series(_("Team spend per day, last 30 days"), daily_spend(narrowed)),
        "model_mix": bar_breakdown(
            _("Model mix, last 30 days"), [(r.label, r.cost) for r in spend_by(narrowed, "model")]
        ),
        "members": member_spend(team, narrowed),
        "tools": spend_by(spend, "tool"),
        "tool": narrowed.client_tool,
        "tool_choices": tool_choices(),
        "ledger": team_ledger(team.pk),
        "form": invalid.get("form") or ThresholdForm.for_team(team),
        "manages_webhook": is_team_admin(request.user, team),
        "webhook_form": invalid.get("webhook_form") or WebhookForm(initial={"url": team.alert_webhook_url}),
        "masked_webhook": masked_webhook_url(team.alert_webhook_url),
        "budgets": [
            (b, invalid.get(f"budget_{b.pk}") or BudgetForm.for_budget(b, team), spent_this_period(b, timezone.now()))
            for b in budgets
        ],
        "budget_form": invalid.get("budget_form") or BudgetForm(team=team, prefix="new"),
        "keys": team_key_rows(team),
        "refusals": refusal_counts(spend),
        "recent_refusals": recent_refusals(spend, limit=10),
        "credit_requests": recent_requests(team),
        "credit_request_form": invalid.get("credit_request_form") or CreditRequestForm(),
        # Members' open requests, each with whether this user may decide it here (staff: always).
        "open_requests": [
            (asked, request.user.is_staff or lead_may_decide(asked, allowance, request.user))
            for asked in open_requests_of(team)
        ],
        "decision_form": DecisionForm(),
        "allowance": allowance,
        "allowance_form": invalid.get("allowance_form") or LeadAllowanceForm.for_allowance(allowance),
    }
    return render(request, "billing/team_credits.html", context, status=400 if invalid else 200)


@login_required
@require_POST
def set_threshold(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_for_admin(request.user, slug)
    form = ThresholdForm(request.POST)
    if not form.is_valid():
        return credits_page(request, team, invalid={"form": form})
    team_set_low_balance_threshold(team=team, threshold=form.cleaned_data["threshold"], by=request.user)
    messages.success(request, _("Low-balance threshold saved."))
    return redirect("billing-team-credits", slug=team.slug)


@login_required
@require_POST
def set_webhook(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_for_team_admin(request.user, slug)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return credits_page(request, team, invalid={"webhook_form": form})
    team_set_alert_webhook(team=team, url=form.cleaned_data["url"], by=request.user)
    messages.success(request, _("Alert webhook saved.") if team.alert_webhook_url else _("Alert webhook removed."))
    return redirect("billing-team-credits", slug=team.slug)


@login_required
@require_POST
def send_webhook_test(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_for_team_admin(request.user, slug)
    check = send_test_alert(team, sent_by=request.user.get_username())
    messages.add_message(request, messages.SUCCESS if check.delivered else messages.ERROR, check.message)
    return redirect("billing-team-credits", slug=team.slug)
