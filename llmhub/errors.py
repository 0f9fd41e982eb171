"""The hub's one error hierarchy: raised anywhere, rendered per wire format at the edge."""

from __future__ import annotations


class HubError(Exception):
    """An error with an HTTP status, a machine code, an OpenAI-style type and a human message."""

    status = 500
    code = "internal_error"
    type = "server_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.param = param
        self.retry_after = retry_after
        self.request_id: str | None = None

    def as_openai(self) -> dict[str, object]:
        body: dict[str, object] = {"code": self.code, "message": self.message, "type": self.type}
        if self.param is not None:
            body["param"] = self.param
        return {"error": body}

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = str(max(1, int(self.retry_after + 0.999)))
        if self.request_id:
            headers["x-request-id"] = self.request_id
        return headers


class InvalidRequest(HubError):
    status = 400
    code = "invalid_request"
    type = "invalid_request_error"


class MethodNotAllowed(InvalidRequest):
    """405, with the methods that are allowed (the `Allow` header)."""

    status = 405
    code = "method_not_allowed"

    def __init__(self, message: str, *, allow: tuple[str, ...], **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.allow = allow

    def headers(self) -> dict[str, str]:
        return {**super().headers(), "Allow": ", ".join(self.allow)}


class RequestTooLarge(InvalidRequest):
    status = 413
    code = "request_too_large"


class AuthenticationFailed(HubError):
    status = 401
    code = "invalid_api_key"
    type = "authentication_error"


class InsufficientCredits(HubError):
    status = 402
    code = "insufficient_credits"
    type = "insufficient_quota"

    def __init__(self, message: str, *, available: object = None, hold: object = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]  # the keyword arguments of HubError
        # The team's available credits (a Decimal) when the refusal is the balance, so the gateway can lower
        # the output cap to what fits; None for budgets and member caps.
        self.available = available
        # What the request would have held (a Decimal), for the chat's plain words; None when not known.
        self.hold = hold


class PermissionDenied(HubError):
    status = 403
    code = "permission_denied"
    type = "permission_error"


class NotFound(HubError):
    status = 404
    code = "not_found"
    type = "invalid_request_error"


class ModelNotFound(NotFound):
    code = "model_not_found"


class RateLimited(HubError):
    status = 429
    code = "rate_limit_exceeded"
    type = "rate_limit_error"


class UpstreamError(HubError):
    """An upstream failed. `retryable` says whether another attempt or the next model may succeed."""

    status = 502
    code = "upstream_error"
    type = "api_error"

    def __init__(self, message: str, *, retryable: bool = True, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retryable = retryable


class UpstreamRateLimited(UpstreamError):
    status = 429
    code = "rate_limit_exceeded"
    type = "rate_limit_error"


class UpstreamUnavailable(UpstreamError):
    status = 503
    code = "upstream_unavailable"


class UpstreamTimeout(UpstreamError):
    status = 504
    code = "upstream_timeout"
