"""The decorator every /v1 view wears: method check, key auth, JSON body, errors in the right format."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from llmhub import jsonio
from llmhub.api.auth import caller_for
from llmhub.api.openai_format import error_response
from llmhub.errors import HubError, InvalidRequest

View = Callable[..., Coroutine[Any, Any, HttpResponseBase]]


def read_json(request: HttpRequest) -> Any:
    try:
        raw = request.body
    except RequestDataTooBig as exc:
        raise HubError(
            "The request body is too large (limit: MAX_REQUEST_BYTES). Send smaller images or fewer messages.",
            status=413,
            code="request_too_large",
        ) from exc
    if not raw:
        raise InvalidRequest("The request body is empty; send a JSON object.")
    try:
        return jsonio.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"The request body is not valid JSON: {exc}.", code="invalid_json") from exc


def api_endpoint(
    *, methods: tuple[str, ...] = ("POST",), render_error: Callable[[HubError], HttpResponse] = error_response
) -> Callable[[View], View]:
    """Authenticate by hub key and render any HubError in the endpoint's wire format."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        async def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                if request.method not in methods:
                    raise HubError(
                        f"Method {request.method} is not allowed here; use {' or '.join(methods)}.",
                        status=405,
                        code="method_not_allowed",
                    )
                request.caller = await caller_for(request)  # type: ignore[attr-defined]
                return await view(request, *args, **kwargs)
            except HubError as exc:
                return render_error(exc)

        wrapper.csrf_exempt = True  # type: ignore[attr-defined]
        return wrapper

    return decorator
