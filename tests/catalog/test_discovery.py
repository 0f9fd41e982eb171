"""sync_catalog --from-upstream against a fake OpenRouter-format model list served on loopback."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from aiohttp import web
from django.core.management import CommandError, call_command

from llmhub.models import CatalogModel, CatalogSync, Deployment, Provider

MODELS = {
    "data": [
        {  # a model the catalog lacks, with prices (USD per token) and a context length
            "id": "qwen/qwen3.9-max",
            "name": "Qwen: Qwen3.9 Max",
            "context_length": 262144,
            "pricing": {"prompt": "0.0000012", "completion": "0.000006", "input_cache_read": "0.00000024"},
            "architecture": {"input_modalities": ["text", "image"]},
            "top_provider": {"max_completion_tokens": 32768},
            "supported_parameters": ["tools", "temperature"],
        },
        {"id": "meta-llama/llama-9-70b-instruct", "context_length": 131072, "pricing": {}},  # no prices
        {"id": "qwen/qwen-max", "pricing": {"prompt": "0.0000016", "completion": "0.0000064"}},
        {"id": "someone/else-7b", "pricing": {"prompt": "0.0000001", "completion": "0.0000001"}},
        {"id": "qwen/qwen3-coder:free", "pricing": {"prompt": "0", "completion": "0"}},
    ]
}


@pytest.fixture
def openrouter_list() -> Iterator[str]:
    """A real HTTP server on loopback answering GET /api/v1/models with MODELS."""
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def models(request: web.Request) -> web.Response:
        state["auth"] = request.headers.get("Authorization")
        return web.json_response(MODELS)

    def serve() -> None:
        loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_get("/api/v1/models", models)
        runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        state["url"] = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/api/v1"
        state["loop"], state["runner"] = loop, runner
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(5)
    yield state["url"]
    state["loop"].call_soon_threadsafe(state["loop"].stop)
    thread.join(5)


@pytest.fixture
def openrouter(db: Any, openrouter_list: str) -> Provider:
    row = Provider(name="openrouter", wire_format="openai", base_url=openrouter_list)
    row.set_api_key("sk-or-test")
    row.save()
    CatalogModel.objects.get(name="qwen-max").deployments.create(provider="openrouter", upstream_model="qwen/qwen-max")
    CatalogModel.objects.get(name="qwen-plus").deployments.create(
        provider="openrouter", upstream_model="qwen/qwen-plus"
    )
    return row


def discover(*args: str) -> str:
    out = StringIO()
    call_command("sync_catalog", "--from-upstream", "openrouter", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_the_upstream_diff_and_changes_nothing(openrouter):
    before = CatalogModel.objects.count()
    out = discover("--dry-run")
    assert "+ qwen3.9-max (Qwen): $1.2/$6 per 1M" in out
    assert "! llama-9-70b-instruct: no price, added disabled" in out
    assert "deployments: 1 listed by the upstream, 1 not listed" in out
    assert "else-7b" not in out and "qwen3-coder" not in out  # other families and free variants are left out
    assert CatalogModel.objects.count() == before
    assert not CatalogSync.objects.exists()


def test_real_run_adds_priced_models_and_marks_deployments(openrouter):
    out = discover()
    assert out.startswith("catalog: ")
    added = CatalogModel.objects.get(name="qwen3.9-max")
    assert (added.input_price, added.output_price, added.cached_input_price) == (
        Decimal("1.2"),
        Decimal("6"),
        Decimal("0.24"),
    )
    assert (added.context_window, added.max_output_tokens, added.supports_vision) == (262144, 32768, True)
    assert added.enabled and added.source == "upstream:openrouter"
    assert set(added.deployments.values_list("provider", "upstream_model")) == {
        ("aisa", "qwen3.9-max"),
        ("openrouter", "qwen/qwen3.9-max"),
    }
    assert Deployment.objects.get(provider="openrouter", upstream_model="qwen/qwen-max").listed_upstream is True
    assert Deployment.objects.get(provider="openrouter", upstream_model="qwen/qwen-plus").listed_upstream is False
    assert CatalogSync.objects.get().new == ["qwen3.9-max", "llama-9-70b-instruct"]


def test_unpriced_upstream_model_is_added_disabled_until_priced(openrouter):
    discover()
    unpriced = CatalogModel.objects.get(name="llama-9-70b-instruct")
    assert not unpriced.enabled
    assert unpriced.family == "Llama"


def test_unconfigured_upstream_is_refused(db):
    with pytest.raises(CommandError, match="not configured"):
        discover()
