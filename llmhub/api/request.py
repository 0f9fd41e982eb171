"""The typed request every /v1 view receives: the HTTP request, who is calling, and its parsed parts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

from llmhub import jsonio
from llmhub.api.body_checks import check_text
from llmhub.api.request_headers import headers_of
from llmhub.errors import HubError, InvalidRequest, RequestTooLarge
from llmhub.gateway import CacheMode, Caller, mode_from_headers


def too_large() -> HubError:
    return RequestTooLarge(
        "The request body is too large (limit: MAX_REQUEST_BYTES). Send smaller images or fewer messages."
    )


def read_json(request: HttpRequest) -> Any:
    try:
        raw = request.body
    except RequestDataTooBig as exc:
        raise too_large() from exc
    if not raw:
        raise InvalidRequest("The request body is empty; send a JSON object.")
    try:
        body = jsonio.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"The request body is not valid JSON: {exc}.", code="invalid_json") from exc
    except RecursionError as exc:
        raise InvalidRequest("The request body is nested too deeply.", code="invalid_json") from exc
    check_text(raw, body)
    return body


@dataclass(frozen=True)
class ApiRequest:
    """An authenticated /v1 request."""

    http: HttpRequest
    caller: Caller

    def json(self) -> Any:
        """The body as JSON, or a 400/413 naming what is wrong with it."""
        return read_json(self.http)

    def query(self, name: str, default: str = "") -> str:
        return self.http.GET.get(name, default)

    @property
    def cache(self) -> CacheMode:
        """What the client asked of the response cache (x-llmhub-cache, Cache-Control)."""
        return mode_from_headers(headers_of(self.http))
