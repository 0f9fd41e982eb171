"""The staff page of provider health: per deployment success rate, latency, breaker state and history, last
errors, and a button that tests a deployment with one tiny request."""

from __future__ import annotations

import datetime as dt

from asgiref.sync import async_to_sync
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billing.access import staff_required
from llmhub.gateway import health_of
from llmhub.ops.deployment_trial import find_target, try_deployment
from llmhub.ops.health_report import configured_deployments, deployment_stats

WINDOWS = [(1, gettext_lazy("Last hour")), (24, gettext_lazy("Last 24 hours")), (168, gettext_lazy("Last 7 days"))]


def _window(request: HttpRequest) -> int:
    hours = request.GET.get("hours", "")
    return int(hours) if hours.isdigit() and int(hours) in dict(WINDOWS) else 1


@staff_required
def health_page(request: HttpRequest) -> HttpResponse:
    hours = _window(request)
    stats = deployment_stats(hours=hours)
    breakers = {h.deployment: h for h in async_to_sync(health_of)([s.deployment for s in stats])}
    rows = [
        {
            "stats": s,
            "breaker": (b := breakers[s.deployment]),
            "open_until": when(b.open_until) if b.open_until is not None else None,
            "history": [{**entry, "at": when(entry["at"])} for entry in b.history],
        }
        for s in stats
        if s.attempts or s.skipped or breakers[s.deployment].state != "closed" or breakers[s.deployment].history
    ]
    context = {
        "rows": rows,
        "idle": len(stats) - len(rows),
        "hours": hours,
        "windows": WINDOWS,
        "deployments": configured_deployments(),
        "now": timezone.now(),
    }
    return render(request, "ops/health.html", context)


@staff_required
@require_POST
def test_deployment_page(request: HttpRequest) -> HttpResponse:
    deployment = request.POST.get("deployment", "")
    target = find_target(deployment)
    if target is None:
        messages.error(request, _("No such deployment in the catalog."))
        return redirect("ops-health")
    outcome = async_to_sync(try_deployment)(deployment, target)
    if outcome.ok:
        messages.success(
            request, _("%(deployment)s answered in %(ms)s ms.") % {"deployment": deployment, "ms": outcome.ms}
        )
    else:
        messages.error(
            request,
            _("%(deployment)s failed after %(ms)s ms: %(code)s.")
            % {"deployment": deployment, "ms": outcome.ms, "code": outcome.code},
        )
    return redirect("ops-health")


def when(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
