"""Staff pages: spend review with drill-down and CSV, credit grants with their audit trail, price match."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.access import staff_required
from billing.charts import bar_breakdown, time_series
from billing.csv_export import breakdown_rows, csv_response, record_rows
from billing.display import usd_text
from billing.forms import GrantForm, SpendFilterForm
from billing.models import UsageRecord
from billing.refusals import refusal_counts
from billing.reports import DIMENSIONS, SpendFilter, daily_spend, filter_choices, spend_overview, spend_totals
from billing.rollups import Sums
from billing.selectors import audit_trail, page_of, price_mismatches, usage_records
from billing.services import credits_grant
from billing.views.paging import page_number, query_without_page
from llmhub.errors import HubError

# (dimension, column heading, chart title) of each spend breakdown.
BREAKDOWNS = [
    ("team", gettext_lazy("Team"), gettext_lazy("Spend by team")),
    ("user", gettext_lazy("User"), gettext_lazy("Spend by user")),
    ("model", gettext_lazy("Model"), gettext_lazy("Spend by model")),
    ("provider", gettext_lazy("Provider"), gettext_lazy("Spend by provider")),
    ("tool", gettext_lazy("Tool"), gettext_lazy("Spend by tool")),
]


def _filter_form(request: HttpRequest) -> SpendFilterForm:
    return SpendFilterForm(request.GET or None, choices=filter_choices())


@staff_required
def spend_review(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    spend = form.spend_filter()
    totals, rows_by = spend_overview(spend, [dimension for dimension, *_titles in BREAKDOWNS])
    breakdowns = [
        (
            dimension,
            heading,
            rows_by[dimension],
            bar_breakdown(str(title), [(r.label, r.cost) for r in rows_by[dimension]]),
        )
        for dimension, heading, title in BREAKDOWNS
    ]
    context = {
        "form": form,
        "spend": spend,
        "totals": totals,
        "refusals": refusal_counts(spend),
        "over_time": time_series(_("Spend per day"), daily_spend(spend)),
        "breakdowns": breakdowns,
        "query": request.GET.urlencode(),
    }
    return render(request, "billing/spend_review.html", context)


def _record_list(
    request: HttpRequest,
    template: str,
    records: Callable[[SpendFilter], QuerySet[UsageRecord]],
    count: Callable[[Sums], int],
) -> HttpResponse:
    """A filtered, paged list of usage records; `count` reads its length from the rollup totals."""
    form = _filter_form(request)
    spend = form.spend_filter()
    totals = spend_totals(spend)
    page = page_of(records(spend), page_number(request), count(totals))
    context = {"form": form, "page": page, "totals": totals, "query": query_without_page(request)}
    return render(request, template, context)


@staff_required
def spend_records(request: HttpRequest) -> HttpResponse:
    return _record_list(request, "billing/spend_records.html", usage_records, lambda totals: totals.requests)


@staff_required
def spend_export(request: HttpRequest) -> HttpResponseBase:
    spend = _filter_form(request).spend_filter()
    group = request.GET.get("group", "")
    name = f"spend-{spend.start}-{spend.end}"
    if group in DIMENSIONS:
        return csv_response(breakdown_rows(spend, group), f"{name}-by-{group}.csv")
    return csv_response(record_rows(usage_records(spend)), f"{name}-records.csv")


@staff_required
def credits_page(request: HttpRequest) -> HttpResponse:
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = credits_grant(**form.cleaned_data, by=request.user)
        except HubError as exc:
            form.add_error("amount", exc.message)
        else:
            recorded = (
                _("Grant of %(amount)s recorded for %(team)s.")
                if entry.kind == entry.GRANT
                else _("Adjustment of %(amount)s recorded for %(team)s.")
            )
            messages.success(request, recorded % {"amount": usd_text(entry.amount), "team": entry.team.name})
            return redirect("billing-credits")
    page = page_of(audit_trail(), page_number(request), audit_trail().count())
    return render(request, "billing/credits.html", {"form": form, "page": page}, status=400 if form.errors else 200)


@staff_required
def price_match(request: HttpRequest) -> HttpResponse:
    return _record_list(request, "billing/price_match.html", price_mismatches, lambda totals: totals.price_mismatches)
