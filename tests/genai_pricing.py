"""Catalog rows priced from genai-prices (as a sync would price them), and genai-prices' own price of a usage:
the reference the hub's charges are checked against."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone


def genai_model(provider_id: str, model_id: str) -> Any:
    from genai_prices.data import providers

    provider = next(p for p in providers if p.id == provider_id)
    model = provider.find_model(model_id)
    assert model is not None, f"genai-prices has no {provider_id} {model_id}"
    return model


def price_row_from_genai(name: str, provider_id: str, model_id: str) -> None:
    """Give catalog model `name` the prices genai-prices has for `model_id` now (a new price version)."""
    from llmhub import catalog
    from llmhub.catalog.genai_import import prices_for
    from llmhub.catalog.history import set_row_prices
    from llmhub.models import CatalogModel

    row = CatalogModel.objects.get(name=name)
    set_row_prices(row, prices_for(genai_model(provider_id, model_id), timezone.now()))
    row.save()
    catalog.invalidate()


def genai_price(provider_id: str, model_id: str, **usage: int) -> Decimal:
    """What genai-prices itself charges for `usage` (its Usage field names) on `model_id`."""
    from genai_prices import Usage, calc_price

    return calc_price(Usage(**usage), model_ref=model_id, provider_id=provider_id).total_price
