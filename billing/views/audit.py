"""The audit log page: staff read every entry, team admins their teams'; filters, pages and a CSV export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from billing.audit_reads import AuditFilterForm, audit_csv_rows, audit_entries, audit_rows, audit_scope
from billing.csv_export import csv_response
from billing.selectors import page_of


@login_required
def audit_log_page(request: HttpRequest) -> HttpResponse:
    scope = audit_scope(request.user)
    form = AuditFilterForm(request.GET or None, scope=scope)
    entries = form.narrowed(audit_entries(scope))
    number = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    page = page_of(entries, number, entries.count())
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": audit_rows(page.items),
        "scope": scope,
        "query": query.urlencode(),
        "filtering": form.is_filtering,
    }
    return render(request, "billing/audit_log.html", context)


@login_required
def audit_log_export(request: HttpRequest) -> HttpResponseBase:
    scope = audit_scope(request.user)
    entries = AuditFilterForm(request.GET or None, scope=scope).narrowed(audit_entries(scope))
    return csv_response(audit_csv_rows(entries), f"audit-log-{timezone.localdate():%Y-%m-%d}.csv")
