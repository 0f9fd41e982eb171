"""My usage: spend over time, by model, recent requests and auto-routing savings, for the signed-in user."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from billing.access import member_teams
from billing.charts import bar_breakdown, time_series
from billing.forms import RangeForm
from billing.refusals import refusal_counts
from billing.reports import SpendFilter, daily_spend, spend_by, spend_totals
from billing.selectors import recent_usage


@login_required
def my_usage(request: HttpRequest) -> HttpResponse:
    form = RangeForm(request.GET)
    spend = SpendFilter.last_days(form.days_or_default(), user_id=request.user.pk)
    by_model = spend_by(spend, "model")
    context = {
        "form": form,
        "spend": spend,
        "totals": spend_totals(spend),
        "over_time": time_series(_("My spend per day"), daily_spend(spend)),
        "model_chart": bar_breakdown(_("My spend by model"), [(row.label, row.cost) for row in by_model]),
        "by_model": by_model,
        "recent": recent_usage(request.user),
        "refusals": refusal_counts(spend),
        "my_teams": member_teams(request.user),
    }
    return render(request, "billing/usage.html", context)
