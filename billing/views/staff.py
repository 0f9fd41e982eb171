"""Staff pages: spend review (presets, the previous period, the trend by model) with drill-down, sortable and
top-N record lists, request-id search and CSV; credit grants with their audit trail; price match."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.access import staff_required
from billing.charts import Chart, bar_breakdown, stacked_days, time_series
from billing.csv_export import breakdown_rows, csv_response, record_rows
from billing.display import usd_text
from billing.forms import GrantForm, RecordListForm, SpendFilterForm
from billing.models import UsageRecord
from billing.money import ZERO
from billing.refusals import refusal_counts
from billing.reports import (
    DIMENSIONS,
    SpendFilter,
    daily_spend_by_model,
    filter_choices,
    spend_overview,
    spend_totals,
)
from billing.rollups import Sums
from billing.selectors import audit_trail, find_record, page_of, price_mismatches, sorted_records, usage_records
from billing.services import credits_grant
from billing.spend_periods import PRESETS, compare_with_previous
from billing.views.paging import page_number, query_without, query_without_page
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
    return SpendFilterForm(request.GET, choices=filter_choices())


def _daily_charts(spend: SpendFilter) -> tuple[Chart, Chart]:
    """Spend per day, and the same stacked by model, from one read of the rollups."""
    stacked = daily_spend_by_model(spend)
    labels = {model: model or _("Other models") for model in stacked.series}
    per_day = [(day, sum(parts.values(), ZERO)) for day, parts in stacked.days]
    by_model = stacked_days(_("Spend per day by model"), stacked.days, labels, headers=(_("Day"), _("Total")))
    return time_series(_("Spend per day"), per_day), by_model


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
    over_time, by_model = _daily_charts(spend)
    context = {
        "form": form,
        "spend": spend,
        "totals": totals,
        "refusals": refusal_counts(spend),
        "comparison": compare_with_previous(spend, totals),
        "presets": PRESETS,
        "preset_query": query_without(request, "start", "end", "preset"),
        "over_time": over_time,
        "by_model": by_model,
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
    form = RecordListForm(request.GET, choices=filter_choices())
    spend, top = form.spend_filter(), form.top_n()
    totals = spend_totals(spend)
    records = sorted_records(spend, form.order(), matching=totals.requests)
    if top:
        page = page_of(records, 1, min(top, totals.requests), size=top)
    else:
        page = page_of(records, page_number(request), totals.requests)
    context = {
        "form": form, "page": page, "totals": totals, "top": top, "presets": PRESETS,
        "query": query_without_page(request), "preset_query": query_without(request, "start", "end", "preset"),
        "sort_query": query_without(request, "sort"),
    }  # fmt: skip
    return render(request, "billing/spend_records.html", context)


@staff_required
def find_request(request: HttpRequest) -> HttpResponse:
    """The request-id search box: straight to the request's page, or back with a message saying none matched."""
    typed = request.GET.get("request_id", "")
    record = find_record(typed)
    if record is not None:
        return redirect("billing-request", request_id=record.request_id)
    if typed.strip():
        messages.error(request, _("No request has the id “%(id)s”.") % {"id": typed.strip()[:80]})
    else:
        messages.error(request, _("Type a request id to look it up."))
    back = "billing-spend-records" if request.GET.get("back") == "records" else "billing-spend"
    return redirect(back)


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
