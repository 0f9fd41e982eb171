"""ASGI entry point: HTTP to Django (and the demo upstream), websockets to the chat consumers, and the
lifespan (the hold sweeper, the shutdown drain)."""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "llmhub.settings")

from django.core.asgi import get_asgi_application

django_http = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from chat.routing import websocket_urlpatterns  # noqa: E402
from llmhub.api.asgi_dispatch import API_PREFIXES, api_app  # noqa: E402
from llmhub.catalog import asnapshot  # noqa: E402
from llmhub.lifespan import lifespan_app  # noqa: E402
from llmhub.ops.metrics import endpoint, endpoint_label  # noqa: E402
from llmhub.providers.demo_upstream import PREFIX as DEMO_PREFIX  # noqa: E402
from llmhub.providers.demo_upstream import demo_app  # noqa: E402
from llmhub.scope_language import LanguageFromScope  # noqa: E402


async def http_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["path"].startswith(API_PREFIXES):
        endpoint.set(endpoint_label(scope["path"]))
        await api_app(scope, receive, send)
    elif scope["path"].startswith(DEMO_PREFIX + "/"):
        # The simulated upstream exists while some model is answered by it (demo mode, or models no configured
        # provider deploys yet); otherwise it is not there.
        if (await asnapshot()).serves_demo:
            await demo_app(scope, receive, send)
        else:
            await _not_found(send)
    else:
        await django_http(scope, receive, send)


async def _not_found(send: Any) -> None:
    body = b'{"error":{"code":"not_found","message":"Not found.","type":"invalid_request_error"}}'
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 404, "headers": headers})
    await send({"type": "http.response.body", "body": body})


application = ProtocolTypeRouter(
    {
        "http": http_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(LanguageFromScope(URLRouter(websocket_urlpatterns)))
        ),
        "lifespan": lifespan_app,
    }
)
