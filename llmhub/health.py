"""A liveness probe for load balancers and `make run`'s readiness wait."""

from django.http import HttpRequest, JsonResponse


async def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
