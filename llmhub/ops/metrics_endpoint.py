"""GET /metrics: the Prometheus exposition, behind a bearer METRICS_TOKEN when one is set."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from billing.models import CreditHold
from llmhub.errors import AuthenticationFailed
from llmhub.gateway import circuit_states
from llmhub.infra.db_executor import run_db
from llmhub.ops.health_report import configured_deployments
from llmhub.ops.metrics import CircuitGauge, ScrapeTimeGauge, exposition

HOLDS_OPEN = ScrapeTimeGauge(
    "llmhub_credit_holds_open", "Credit holds of requests in flight", lambda: float(CreditHold.objects.count())
)


def token_accepted(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    if not expected:
        return True
    authorization = request.headers.get("Authorization", "")
    presented = authorization[7:].strip() if authorization[:7].lower() == "bearer " else ""
    return hmac.compare_digest(presented.encode(), expected.encode())


@require_GET
async def metrics(request: HttpRequest) -> HttpResponse:
    if not token_accepted(request):
        refused = AuthenticationFailed("Bearer METRICS_TOKEN required.", code="invalid_metrics_token")
        return JsonResponse(refused.as_openai(), status=401, headers={"WWW-Authenticate": "Bearer"})
    circuits = CircuitGauge(await circuit_states(await run_db(configured_deployments)))
    text = await run_db(exposition, [HOLDS_OPEN, circuits])
    return HttpResponse(text, content_type=CONTENT_TYPE_LATEST)
