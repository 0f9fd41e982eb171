"""Template context every page gets: whether the hub is running on the demo upstream."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from llmhub.catalog import snapshot


def hub(request: HttpRequest) -> dict[str, Any]:
    return {"hub_demo_mode": snapshot().demo}
