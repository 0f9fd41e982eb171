"""Price history: a price change applies from its effective time and never reprices the past."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest
from django.utils import timezone

from billing.models import UsageRecord
from llmhub import catalog
from llmhub.catalog.history import active_prices
from llmhub.models import CatalogModel, PriceVersion
from tests.fake_upstream import Reply


def ask(hub_url: str, key: str) -> None:
    response = httpx.post(
        f"{hub_url}/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2_000},
        timeout=20,
    )
    assert response.status_code == 200, response.text


@pytest.mark.django_db(transaction=True)
def test_price_change_leaves_earlier_records_untouched(hub_url, alice, upstream):
    upstream.script("gpt-4.1", Reply(text="a", prompt_tokens=1_000, completion_tokens=1_000))
    ask(hub_url, alice.key)
    before = UsageRecord.objects.get()
    row = CatalogModel.objects.get(name="gpt-4.1")
    row.input_price, row.output_price = Decimal("4"), Decimal("16")
    row.save()
    catalog.invalidate()
    upstream.script("gpt-4.1", Reply(text="b", prompt_tokens=1_000, completion_tokens=1_000))
    ask(hub_url, alice.key)
    first, second = UsageRecord.objects.order_by("id")
    assert (first.cost, first.price_version) == (before.cost, before.price_version) == (Decimal("0.01"), 1)
    assert (second.cost, second.price_version) == (Decimal("0.02"), 2)


@pytest.mark.django_db
def test_first_price_change_keeps_the_old_price_as_version_one():
    row = CatalogModel.objects.get(name="gpt-4.1")
    row.input_price = Decimal("3")
    row.save()
    versions = list(PriceVersion.objects.filter(model=row).order_by("version"))
    assert [(v.version, v.prices["input"]) for v in versions] == [(1, "2"), (2, "3")]
    row.refresh_from_db()
    assert row.price_version == 2


@pytest.mark.django_db
def test_saving_without_a_price_change_adds_no_version():
    row = CatalogModel.objects.get(name="gpt-4.1")
    row.description = "the flagship of 2025"
    row.save()
    row.save()
    assert PriceVersion.objects.filter(model=row).count() == 1


@pytest.mark.django_db
def test_scheduled_price_applies_only_from_its_effective_time():
    row = CatalogModel.objects.get(name="gpt-4.1")
    row.save()  # records version 1
    later = timezone.now() + dt.timedelta(days=7)
    PriceVersion.objects.create(
        model=row, version=2, effective_from=later, prices={"input": "1", "output": "4"}, source="admin"
    )
    assert active_prices(row).input == Decimal("2")
    assert active_prices(row, later + dt.timedelta(seconds=1)).input == Decimal("1")
    assert active_prices(row, later + dt.timedelta(seconds=1)).version == 2
