"""Resolving the caller of an API request from whichever header its client library sends."""

from __future__ import annotations

from django.http import HttpRequest

from billing.client_tools import tool_of_request
from billing.keys import KeyIdentity, authenticate_key, peek_cached_identity
from llmhub.api.request_headers import headers_of
from llmhub.gateway import Caller
from llmhub.infra.db_executor import run_db


def presented_key(request: HttpRequest) -> str:
    """The key from `Authorization: Bearer`, `x-api-key`, `x-goog-api-key` or `?key=`."""
    meta = request.META
    authorization = meta.get("HTTP_AUTHORIZATION", "")
    if authorization[:7].lower() == "bearer ":
        return str(authorization[7:].strip())
    for header in ("HTTP_X_API_KEY", "HTTP_X_GOOG_API_KEY"):
        if meta.get(header):
            return str(meta[header].strip())
    return request.GET.get("key", "").strip() if meta.get("QUERY_STRING") else ""


def authenticates_like_gemini(request: HttpRequest) -> bool:
    """Whether the client sent its key the way google-genai does (it then expects Gemini's shapes)."""
    return bool(request.META.get("HTTP_X_GOOG_API_KEY") or request.GET.get("key"))


async def identity_for(request: HttpRequest) -> KeyIdentity:
    """The key's identity (with its rate limits), or a 401."""
    plaintext = presented_key(request)
    identity: KeyIdentity | None = peek_cached_identity(plaintext)
    if identity is None:
        identity = await run_db(authenticate_key, plaintext)
    return identity


def caller_of(identity: KeyIdentity, request: HttpRequest | None = None, source: str = "api") -> Caller:
    """Who pays for a request, and (from its headers) which tool sent it."""
    return Caller(
        user_id=identity.user_id,
        team_id=identity.team_id,
        key_id=identity.key_id,
        source=source,
        allowed_models=identity.allowed_models,
        client_tool=tool_of_request(headers_of(request)) if request is not None else "",
    )
