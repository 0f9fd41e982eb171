"""The decorator every /v1 view wears: method check, key auth, a typed request, errors in its wire format."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from billing.keys import KeyIdentity
from billing.refusals import record_refusal
from llmhub.api.auth import caller_of, identity_for
from llmhub.api.formats import OPENAI, ClientFormat
from llmhub.api.rate_limit_headers import add_rate_limit_headers, has_limits
from llmhub.api.request import ApiRequest
from llmhub.errors import HubError, MethodNotAllowed
from llmhub.gateway import Caller
from llmhub.infra.db_executor import run_db


async def record_invalid_request(caller: Caller, exc: HubError) -> None:
    """A 400 from an authenticated caller, recorded as a refusal (who, which key, why; never charged)."""
    await run_db(
        record_refusal,
        team_id=caller.team_id,
        user_id=caller.user_id,
        key_id=caller.key_id,
        status=exc.status,
        code=exc.code,
        message=exc.message,
        model="",
        request_id=exc.request_id or "",
    )


ApiView = Callable[..., Coroutine[Any, Any, HttpResponseBase]]
DjangoView = Callable[..., Coroutine[Any, Any, HttpResponseBase]]


def api_endpoint(
    *, methods: tuple[str, ...] = ("POST",), wire: ClientFormat = OPENAI
) -> Callable[[ApiView], DjangoView]:
    """Authenticate by hub key, hand the view an ApiRequest, and render any HubError in `wire`'s format."""

    def decorator(view: ApiView) -> DjangoView:
        @functools.wraps(view)
        async def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            identity: KeyIdentity | None = None
            try:
                if request.method not in methods:
                    raise MethodNotAllowed(
                        f"Method {request.method} is not allowed here; use {' or '.join(methods)}.", allow=methods
                    )
                identity = await identity_for(request)
                response = await view(ApiRequest(http=request, caller=caller_of(identity, request)), *args, **kwargs)
            except HubError as exc:
                if identity is not None and exc.status == 400:
                    await record_invalid_request(caller_of(identity, request), exc)  # 402 and 429: at admission
                response = wire.error(exc)
            if identity is not None and has_limits(identity):
                await add_rate_limit_headers(response, identity)
            return response

        wrapper.csrf_exempt = True  # type: ignore[attr-defined]  # Django reads this attribute off views
        return wrapper

    return decorator
