"""Resolving the caller of an API request from whichever header its client library sends."""

from __future__ import annotations

from django.http import HttpRequest

from billing.keys import KeyIdentity, authenticate_key, peek_cached_identity
from llmhub.gateway import Caller
from llmhub.infra.db_executor import run_db


def presented_key(request: HttpRequest) -> str:
    """The key from `Authorization: Bearer`, `x-api-key`, `x-goog-api-key` or `?key=`."""
    authorization = request.headers.get("Authorization", "")
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    for header in ("X-Api-Key", "X-Goog-Api-Key"):
        if request.headers.get(header):
            return request.headers[header].strip()
    return request.GET.get("key", "").strip()


async def caller_for(request: HttpRequest, source: str = "api") -> Caller:
    plaintext = presented_key(request)
    identity: KeyIdentity | None = peek_cached_identity(plaintext)
    if identity is None:
        identity = await run_db(authenticate_key, plaintext)
    return Caller(
        user_id=identity.user_id,
        team_id=identity.team_id,
        key_id=identity.key_id,
        source=source,
        allowed_models=identity.allowed_models,
    )
