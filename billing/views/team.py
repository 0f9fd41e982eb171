"""Team credits (team admins): balance, burn rate, run-out date, member spend, model mix, alert settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from billing.access import admin_teams, is_team_admin, team_for_admin, team_for_team_admin
from billing.alerts import send_test_alert
from billing.charts import bar_breakdown, time_series
from billing.forms import ThresholdForm, WebhookForm
from billing.models import Team
from billing.reports import SpendFilter, daily_spend, member_spend, spend_by, team_credits
from billing.selectors import team_ledger
from billing.services import team_set_alert_webhook, team_set_low_balance_threshold
from billing.webhooks import masked_webhook_url


@login_required
def teams_page(request: HttpRequest) -> HttpResponse:
    teams = admin_teams(request.user)
    if len(teams) == 1 and not request.user.is_staff:
        return redirect("billing-team-credits", slug=teams[0].slug)
    return render(request, "billing/teams.html", {"teams": teams})


@login_required
def team_credits_page(request: HttpRequest, slug: str) -> HttpResponse:
    return _credits_page(request, team_for_admin(request.user, slug))


def _credits_page(
    request: HttpRequest, team: Team, *, form: ThresholdForm | None = None, webhook_form: WebhookForm | None = None
) -> HttpResponse:
    """The page, or (with a bound form) the page again with that form's errors, as 400."""
    spend = SpendFilter.last_days(30, team_id=team.pk)
    manages_webhook = is_team_admin(request.user, team)
    context = {
        "team": team,
        "credits": team_credits(team),
        "over_time": time_series("Team spend per day, last 30 days", daily_spend(spend)),
        "model_mix": bar_breakdown("Model mix, last 30 days", [(r.label, r.cost) for r in spend_by(spend, "model")]),
        "members": member_spend(team, spend),
        "ledger": team_ledger(team.pk),
        "form": form or ThresholdForm.for_team(team),
        "manages_webhook": manages_webhook,
        "webhook_form": webhook_form or WebhookForm(initial={"url": team.alert_webhook_url}),
        "masked_webhook": masked_webhook_url(team.alert_webhook_url),
    }
    invalid = form is not None or webhook_form is not None
    return render(request, "billing/team_credits.html", context, status=400 if invalid else 200)


@login_required
@require_POST
def set_threshold(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_for_admin(request.user, slug)
    form = ThresholdForm(request.POST)
    if not form.is_valid():
        return _credits_page(request, team, form=form)
    team_set_low_balance_threshold(team=team, threshold=form.cleaned_data["threshold"])
    messages.success(request, "Low-balance threshold saved.")
    return redirect("billing-team-credits", slug=team.slug)


@login_required
@require_POST
def set_webhook(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_for_team_admin(request.user, slug)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _credits_page(request, team, webhook_form=form)
    team_set_alert_webhook(team=team, url=form.cleaned_data["url"])
    messages.success(request, "Alert webhook saved." if team.alert_webhook_url else "Alert webhook removed.")
    return redirect("billing-team-credits", slug=team.slug)


@login_required
@require_POST
def send_webhook_test(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_for_team_admin(request.user, slug)
    check = send_test_alert(team, sent_by=request.user.get_username())
    messages.add_message(request, messages.SUCCESS if check.delivered else messages.ERROR, check.message)
    return redirect("billing-team-credits", slug=team.slug)
