"""The decorator every /v1 view wears: method check, key auth, a typed request, errors in its wire format."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from llmhub.api.auth import caller_for
from llmhub.api.formats import OPENAI, ClientFormat
from llmhub.api.request import ApiRequest
from llmhub.errors import HubError, MethodNotAllowed

ApiView = Callable[..., Coroutine[Any, Any, HttpResponseBase]]
DjangoView = Callable[..., Coroutine[Any, Any, HttpResponseBase]]


def api_endpoint(
    *, methods: tuple[str, ...] = ("POST",), wire: ClientFormat = OPENAI
) -> Callable[[ApiView], DjangoView]:
    """Authenticate by hub key, hand the view an ApiRequest, and render any HubError in `wire`'s format."""

    def decorator(view: ApiView) -> DjangoView:
        @functools.wraps(view)
        async def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                if request.method not in methods:
                    raise MethodNotAllowed(
                        f"Method {request.method} is not allowed here; use {' or '.join(methods)}.", allow=methods
                    )
                api = ApiRequest(http=request, caller=await caller_for(request))
                return await view(api, *args, **kwargs)
            except HubError as exc:
                return wire.error(exc)

        wrapper.csrf_exempt = True  # type: ignore[attr-defined]  # Django reads this attribute off views
        return wrapper

    return decorator
