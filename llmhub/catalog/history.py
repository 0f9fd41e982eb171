"""Price history: every price a model has had, as append-only versions from their effective time.

Saving a catalog row whose prices changed appends a version; the snapshot prices requests at the newest
version already in effect, and each usage record keeps the version it was charged at.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from llmhub.catalog.pricing import Prices
from llmhub.models import CatalogModel, PriceVersion

# Prices recorded before history existed count from here.
BEGINNING = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def row_prices(row: Any, *, version: int = 0) -> Prices:
    """The prices a catalog row carries (flat fields plus its tiers and variants)."""
    extra = row.price_tiers or {}
    return Prices.from_json(
        {
            "input": row.input_price,
            "output": row.output_price,
            "cached_input": row.cached_input_price,
            "cache_write": row.cache_write_price,
            "image": row.image_price,
            "request": extra.get("request"),
            "tiers": extra.get("tiers"),
            "variants": extra.get("variants"),
            "details": extra.get("details"),
            "per_call": extra.get("per_call"),
        },
        version=version,
    )


def set_row_prices(row: Any, prices: Prices) -> None:
    """Put `prices` on a catalog row (not saved)."""
    row.input_price = prices.input
    row.output_price = prices.output
    row.cached_input_price = prices.cached_input
    row.cache_write_price = prices.cache_write
    row.image_price = prices.image
    data = prices.to_json()
    extras = ("tiers", "variants", "request", "details", "per_call")
    row.price_tiers = {k: data[k] for k in extras if data.get(k) not in (None, [], {}, "0")}


def active_prices(row: CatalogModel, now: dt.datetime | None = None) -> Prices:
    """The newest price version of `row` in effect at `now` (prefetched `price_versions` are used)."""
    now = now or timezone.now()
    versions = sorted(row.price_versions.all(), key=lambda v: v.version, reverse=True)
    for version in versions:
        if version.effective_from <= now:
            return Prices.from_json(version.prices, version=version.version)
    return row_prices(row, version=row.price_version)


def next_change(rows: list[CatalogModel], now: dt.datetime) -> dt.datetime | None:
    """When the next scheduled price version takes effect, if any."""
    pending = [v.effective_from for row in rows for v in row.price_versions.all() if v.effective_from > now]
    return min(pending, default=None)


def _remember_old_prices(sender: Any, instance: CatalogModel, **_kwargs: Any) -> None:
    old = CatalogModel.objects.filter(pk=instance.pk).first() if instance.pk else None
    instance._old_prices = row_prices(old).to_json() if old is not None else None  # type: ignore[attr-defined]


def _record_version(sender: Any, instance: CatalogModel, created: bool, **_kwargs: Any) -> None:
    new = row_prices(instance).to_json()
    old = getattr(instance, "_old_prices", None)
    source = instance.source
    effective = getattr(instance, "price_effective_from", None) or timezone.now()
    latest = instance.price_versions.order_by("-version").first()
    if latest is None:
        if old is not None and old != new:
            PriceVersion.objects.create(model=instance, version=1, effective_from=BEGINNING, prices=old, source="seed")
            latest = PriceVersion.objects.create(
                model=instance, version=2, effective_from=effective, prices=new, source=source
            )
        else:
            start = effective if created else BEGINNING
            latest = PriceVersion.objects.create(
                model=instance, version=1, effective_from=start, prices=new, source=source
            )
    elif latest.prices != new:
        latest = PriceVersion.objects.create(
            model=instance, version=latest.version + 1, effective_from=effective, prices=new, source=source
        )
    if instance.price_version != latest.version:
        CatalogModel.objects.filter(pk=instance.pk).update(price_version=latest.version)
        instance.price_version = latest.version


pre_save.connect(_remember_old_prices, sender=CatalogModel, dispatch_uid="catalog-price-old")
post_save.connect(_record_version, sender=CatalogModel, dispatch_uid="catalog-price-version")
