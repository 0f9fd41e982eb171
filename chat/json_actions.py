"""The chat pages' JSON actions (their fetch calls): signed in, POST (CSRF-checked by the middleware), the
view's dict answered as JSON, and a refusal (a HubError) as {"error": {"code", "message", "type"}} with its
status, so every page shows the message in the reader's language the same way."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from llmhub.errors import HubError, InvalidRequest


def json_action(*, status: int = 200) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., JsonResponse]]:
    """@json_action() or @json_action(status=201) on a view that returns a dict or raises a HubError."""

    def decorate(view: Callable[..., dict[str, Any]]) -> Callable[..., JsonResponse]:
        @login_required
        @require_POST
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            try:
                return JsonResponse(view(request, *args, **kwargs), status=status)
            except HubError as exc:
                return JsonResponse(exc.as_openai(), status=exc.status)

        return wrapped

    return decorate


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object ({} for an empty body); anything else is refused as a bad request."""
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, or nested past the parser's depth
        raise InvalidRequest(_("Bad request."), code="invalid_json") from exc
    if not isinstance(body, dict):
        raise InvalidRequest(_("Bad request."), code="invalid_json")
    return body


def whole_number(value: Any) -> int:
    """A JSON number or numeric string as an int; anything else is refused as a bad request."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidRequest(_("Bad request."), code="invalid_value")
    try:
        return int(value)
    except ValueError as exc:
        raise InvalidRequest(_("Bad request."), code="invalid_value") from exc
