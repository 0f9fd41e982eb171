"""Fixtures for the native formats: Claude and Gemini models served by the direct providers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fake_upstream import FakeUpstream


def serve_direct(settings: Any, fake: FakeUpstream, *, keep_aisa: bool = False) -> None:
    """Point the anthropic and gemini providers at the fake's native routes; by default AIsa stops
    serving Claude and Gemini, so those requests take the direct path."""
    from llmhub import catalog
    from llmhub.models import Deployment

    settings.PROVIDER_KEYS = {**settings.PROVIDER_KEYS, "anthropic": "fake-anthropic-key", "gemini": "fake-gemini-key"}
    settings.PROVIDER_BASE_URLS = {
        **settings.PROVIDER_BASE_URLS,
        "anthropic": fake.url + "/anthropic/v1",
        "gemini": fake.url + "/gemini/v1beta",
    }
    if not keep_aisa:
        Deployment.objects.filter(provider="aisa", model__family__in=["Claude", "Gemini"]).update(enabled=False)
    catalog.invalidate()


@pytest.fixture
def direct(settings: Any, upstream: FakeUpstream) -> Iterator[FakeUpstream]:
    serve_direct(settings, upstream)
    yield upstream
    from llmhub import catalog

    catalog.invalidate()


@pytest.fixture
def hub_root(hub_url: str) -> str:
    """The live hub's root URL (the Anthropic and Google SDKs add /v1 and /v1beta themselves)."""
    return hub_url.removesuffix("/v1")
