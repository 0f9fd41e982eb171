"""A liveness probe for load balancers and `make run`'s readiness wait."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
async def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
