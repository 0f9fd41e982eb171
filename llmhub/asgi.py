"""ASGI entry point: HTTP to Django (and the demo upstream), websockets to the chat consumers."""

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
from llmhub.providers.demo_upstream import PREFIX as DEMO_PREFIX  # noqa: E402
from llmhub.providers.demo_upstream import demo_app  # noqa: E402
from llmhub.scope_language import LanguageFromScope  # noqa: E402


async def http_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["path"].startswith(API_PREFIXES):
        await api_app(scope, receive, send)
    elif scope["path"].startswith(DEMO_PREFIX + "/"):
        await demo_app(scope, receive, send)
    else:
        await django_http(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": http_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(LanguageFromScope(URLRouter(websocket_urlpatterns)))
        ),
    }
)
