"""One request's page: tokens, cost and price, timing, models, every attempt, route, cache, status."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from billing.selectors import charged_for, unit_prices, visible_record


@login_required
def request_page(request: HttpRequest, request_id: str) -> HttpResponse:
    record = visible_record(request.user, request_id)
    if record is None:
        raise Http404(_("No such request."))
    context = {
        "r": record,
        "charged": charged_for(record),
        "prices": unit_prices(record),
        "route": record.route if isinstance(record.route, dict) else None,
        "attempts": [a for a in record.attempts if isinstance(a, dict)] if isinstance(record.attempts, list) else [],
    }
    return render(request, "billing/request.html", context)
