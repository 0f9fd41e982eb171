"""GET /v1/usage?period=month: the key owner's spend this calendar month, by model."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from llmhub.api.decorators import api_endpoint
from llmhub.api.openai_format import json_response
from llmhub.db_executor import run_db
from llmhub.errors import InvalidRequest
from llmhub.usage_summary import month_usage


@api_endpoint(methods=("GET",))
async def usage(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("period", "month")
    if period != "month":
        raise InvalidRequest("'period' must be 'month' (the current calendar month).", param="period")
    caller = request.caller  # type: ignore[attr-defined]
    return json_response(await run_db(month_usage, user_id=caller.user_id, team_id=caller.team_id))
