"""sync_catalog from genai-prices: the new models, the seed names that keep working, the dry run, the
record of an applied sync, and admin edits that a sync leaves alone."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import httpx
import pytest
from django.core.management import call_command

from llmhub import catalog
from llmhub.catalog.seed import SEED
from llmhub.errors import ModelNotFound
from llmhub.models import CatalogModel, CatalogSync, ModelAlias
from tests.fake_upstream import Reply

NEW_IDS = [
    "gpt-5",
    "gpt-4.1-mini",
    "o4-mini",
    "claude-sonnet-4-5",
    "claude-opus-4-1",
    "gemini-2.5-pro",
    "gemini-2.5-flash",
    "deepseek-reasoner",
    "grok-3",
]


def sync(*args: str) -> str:
    out = StringIO()
    call_command("sync_catalog", *args, stdout=out)
    catalog.invalidate()
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_synced_catalog_lists_seventy_models_with_todays_ids(hub_url, alice):
    sync()
    listed = httpx.get(f"{hub_url}/models", headers={"Authorization": f"Bearer {alice.key}"}, timeout=20).json()
    ids = {m["id"] for m in listed["data"]}
    assert len(ids) >= 70
    assert set(NEW_IDS) <= ids


@pytest.mark.django_db(transaction=True)
def test_every_seed_name_still_completes_after_a_sync(hub_url, alice, upstream):
    sync()
    for name, *_ in SEED:
        upstream.script(name, Reply(text=f"hello from {name}"))
        response = httpx.post(
            f"{hub_url}/chat/completions",
            headers={"Authorization": f"Bearer {alice.key}"},
            json={"model": name, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 50},
            timeout=20,
        )
        assert response.status_code == 200, (name, response.text)
        assert response.json()["choices"][0]["message"]["content"] == f"hello from {name}"


@pytest.mark.django_db
def test_dry_run_prints_the_diff_and_changes_nothing():
    before = CatalogModel.objects.count()
    out = sync("--dry-run")
    assert "+ gpt-5 (GPT)" in out
    assert "~ gpt-4.1:" in out  # the seed row gains its service-tier prices
    assert "dry run, nothing changed" in out
    assert CatalogModel.objects.count() == before
    assert not CatalogSync.objects.exists()


@pytest.mark.django_db
def test_applied_sync_is_recorded_with_what_it_changed():
    out = sync()
    record = CatalogSync.objects.get()
    assert record.source == "genai-prices"
    assert "gpt-5" in record.new
    assert out.startswith(f"catalog: {CatalogModel.objects.count()} models ({len(record.new)} new")


@pytest.mark.django_db
def test_second_sync_finds_the_catalog_up_to_date():
    sync()
    assert "(up to date)" in sync()
    assert CatalogSync.objects.count() == 1


@pytest.mark.django_db
def test_admin_edited_price_survives_a_sync():
    sync()
    row = CatalogModel.objects.get(name="gpt-5")
    row.input_price = Decimal("9.99")
    row.admin_edited = ["input_price"]
    row.save()
    sync()
    row.refresh_from_db()
    assert row.input_price == Decimal("9.99")


@pytest.mark.django_db
def test_alias_resolves_to_its_model():
    sync()
    models = catalog.snapshot().models
    assert catalog.find_model(models, "gpt-5-2025-08-07").name == "gpt-5"
    assert catalog.find_model(models, "claude-3-opus-latest").name == "claude-3-opus"
    assert ModelAlias.objects.get(alias="grok-2-1212").model.name == "grok-2"


@pytest.mark.django_db
def test_unknown_name_is_neither_model_nor_alias():
    sync()
    with pytest.raises(ModelNotFound):
        catalog.find_model(catalog.snapshot().models, "gpt-5-turbo-ultra")


@pytest.mark.django_db
def test_dashscope_seed_row_keeps_its_own_prices():
    sync()
    row = CatalogModel.objects.get(name="qwen2.5-72b-instruct")
    assert (row.input_price, row.output_price) == (Decimal("1.40"), Decimal("5.60"))
    assert sorted(row.deployments.values_list("provider", flat=True)) == ["aisa", "qwen"]


@pytest.mark.django_db
def test_new_model_gets_an_aisa_and_a_direct_deployment():
    sync()
    row = CatalogModel.objects.get(name="claude-sonnet-4-5")
    deployments = {d.provider: (d.upstream_model, d.priority) for d in row.deployments.all()}
    assert deployments == {"aisa": ("claude-sonnet-4-5", 10), "anthropic": ("claude-sonnet-4-5", 20)}


@pytest.mark.django_db
def test_sync_keeps_the_seeds_exact_context_window():
    sync()
    assert CatalogModel.objects.get(name="gpt-4.1").context_window == 1_047_576
