"""The snapshot when providers are added: the catalog never empties, and the router's defaults exist."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from llmhub import catalog
from llmhub.gateway import route_scoring
from llmhub.models import Provider
from tests.provider_env import clear_provider_env

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_env_providers(settings: Any) -> None:
    settings.AISA_API_KEY = ""
    clear_provider_env(settings)
    catalog.invalidate()


def test_adding_a_first_provider_keeps_every_model_served(no_env_providers):
    before = set(catalog.snapshot().models)
    row = Provider(name="openai", wire_format="openai", base_url="http://127.0.0.1:9/v1")
    row.set_api_key("sk-test")
    row.save()
    snap = catalog.snapshot()
    assert set(snap.models) == before
    assert [t.provider.name for t in snap.models["gpt-4.1"].targets] == ["openai"]
    assert [t.provider.name for t in snap.models["claude-3-opus"].targets] == ["demo"]


def test_configured_default_upstream_drops_the_demo_targets(no_env_providers, settings):
    settings.AISA_API_KEY = "aisa-key"
    snap = catalog.snapshot()
    assert all(t.provider.name != "demo" for spec in snap.models.values() for t in spec.targets)


def test_router_defaults_exist_in_the_synced_catalog():
    call_command("sync_catalog", stdout=StringIO())
    catalog.invalidate()
    names = set(catalog.snapshot().models)
    defaults = {
        *route_scoring.DEFAULT_TIER_MODELS.values(),
        *route_scoring.DEFAULT_TASK_ROUTES.values(),
        route_scoring.DEFAULT_BASELINE_MODEL,
    }
    assert defaults <= names
