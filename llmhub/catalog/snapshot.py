"""The model catalog as the gateway sees it: an in-memory snapshot of enabled models and their targets.

The snapshot is rebuilt when a catalog or provider row is saved in this process, and at most
CATALOG_TTL seconds after a change made by another process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save

from llmhub.catalog.pricing import Prices
from llmhub.errors import ModelNotFound
from llmhub.infra.db_executor import run_db
from llmhub.models import CatalogModel, Deployment, Provider
from llmhub.providers.base import Target
from llmhub.providers.registry import demo_provider, load_configured_providers

CATALOG_TTL = 30.0


@dataclass(frozen=True)
class ModelSpec:
    name: str
    family: str
    description: str
    prices: Prices
    context_window: int
    max_output_tokens: int
    supports_vision: bool
    supports_tools: bool
    fallbacks: tuple[str, ...]
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class Snapshot:
    models: dict[str, ModelSpec]
    demo: bool
    built_at: float


_snapshot: Snapshot | None = None


def build_snapshot() -> Snapshot:
    """Read the catalog and providers from the database. Sync."""
    providers = load_configured_providers()
    demo = not providers
    models: dict[str, ModelSpec] = {}
    rows = CatalogModel.objects.filter(enabled=True).prefetch_related("deployments")
    for row in rows:
        deployments = [d for d in row.deployments.all() if d.enabled]
        if demo:
            targets: tuple[Target, ...] = (Target(demo_provider(), row.name),)
        else:
            targets = tuple(
                Target(providers[d.provider], d.upstream_model) for d in deployments if d.provider in providers
            )
        if not targets:
            continue
        models[row.name] = ModelSpec(
            name=row.name,
            family=row.family,
            description=row.description,
            prices=Prices(
                input=row.input_price,
                output=row.output_price,
                cached_input=row.cached_input_price,
                cache_write=row.cache_write_price,
                image=row.image_price,
            ),
            context_window=row.context_window,
            max_output_tokens=row.max_output_tokens,
            supports_vision=row.supports_vision,
            supports_tools=row.supports_tools,
            fallbacks=tuple(str(f) for f in row.fallbacks or ()),
            targets=targets,
        )
    return Snapshot(models=models, demo=demo, built_at=time.monotonic())


def snapshot() -> Snapshot:
    """The current snapshot, rebuilt if stale. Sync (may touch the database)."""
    global _snapshot
    current = _snapshot
    if current is None or time.monotonic() - current.built_at > CATALOG_TTL:
        current = _snapshot = build_snapshot()
    return current


async def asnapshot() -> Snapshot:
    current = _snapshot
    if current is not None and time.monotonic() - current.built_at <= CATALOG_TTL:
        return current
    return await run_db(snapshot)


def find_model(models: dict[str, ModelSpec], name: str) -> ModelSpec:
    spec = models.get(name) if isinstance(name, str) else None
    if spec is None:
        raise ModelNotFound(
            f"Model '{name}' is not available. GET /v1/models lists the models this hub serves.", param="model"
        )
    return spec


def invalidate(*_args: object, **_kwargs: object) -> None:
    global _snapshot
    _snapshot = None


for _model in (CatalogModel, Deployment, Provider):
    post_save.connect(invalidate, sender=_model, dispatch_uid=f"catalog-{_model.__name__}-save")
    post_delete.connect(invalidate, sender=_model, dispatch_uid=f"catalog-{_model.__name__}-delete")
