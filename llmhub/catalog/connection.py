"""The admin's "Test connection": list a provider's models with the hub's own provider code (its adapter's
auth headers, its error translation) and report how many it lists or the clear error."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import httpx

from llmhub.errors import HubError
from llmhub.infra import http_client
from llmhub.providers.anthropic.adapter import ANTHROPIC_VERSION
from llmhub.providers.base import ProviderConfig
from llmhub.providers.http_base import error_for_status
from llmhub.providers.registry import load_configured_providers

TIMEOUT = 15.0


@dataclass(frozen=True)
class ConnectionResult:
    provider: str
    ok: bool
    detail: str


def _auth_headers(config: ProviderConfig) -> dict[str, str]:
    """The key as each wire format's adapter sends it."""
    if not config.api_key:
        return {}
    if config.wire_format == "anthropic":
        return {"x-api-key": config.api_key, "anthropic-version": ANTHROPIC_VERSION}
    if config.wire_format == "gemini":
        return {"x-goog-api-key": config.api_key}
    return {"Authorization": f"Bearer {config.api_key}"}


def check_connection(name: str) -> ConnectionResult:
    """GET the provider's `/models` list; ok when it answers 2xx with a JSON model list."""
    config = load_configured_providers().get(name)
    if config is None:
        return ConnectionResult(name, False, "not configured or disabled")
    headers = _auth_headers(config)

    async def get() -> tuple[int, bytes, httpx.Headers]:
        try:
            response = await http_client.send("GET", f"{config.base_url}/models", headers=headers, content=b"")
            try:
                return response.status_code, await response.aread(), response.headers
            finally:
                await response.aclose()
        finally:
            await http_client.close_client()

    try:
        status, body, response_headers = asyncio.run(asyncio.wait_for(get(), TIMEOUT))
        if status >= 400:
            raise error_for_status(config, status, body, response_headers)
        listed = json.loads(body)
    except HubError as exc:
        return ConnectionResult(name, False, exc.message)
    except (TimeoutError, OSError, httpx.HTTPError) as exc:
        return ConnectionResult(name, False, f"could not reach {config.base_url}: {type(exc).__name__}")
    except ValueError:
        return ConnectionResult(name, False, "the answer was not a JSON model list")
    models = listed.get("data", listed.get("models")) if isinstance(listed, dict) else None
    if not isinstance(models, list):
        return ConnectionResult(name, False, "the answer was not a JSON model list")
    return ConnectionResult(name, True, str(len(models)))
