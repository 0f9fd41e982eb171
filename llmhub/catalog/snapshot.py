"""The model catalog as the gateway sees it: an in-memory snapshot of enabled models, their targets,
prices in effect and aliases.

The snapshot is rebuilt when a catalog or provider row is saved in this process, at most CATALOG_TTL
seconds after a change made by another process, and when a scheduled price version takes effect.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from billing import cache_generations
from llmhub.catalog.history import active_prices, next_change
from llmhub.catalog.pricing import Prices
from llmhub.errors import ModelNotFound
from llmhub.infra.db_executor import run_db
from llmhub.models import CatalogModel, Deployment, ModelAlias, PriceVersion, Provider
from llmhub.providers.base import Target
from llmhub.providers.registry import DEMO, demo_provider, load_configured_providers

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
    deprecated: bool = False

    @property
    def simulated(self) -> bool:
        """Answered by the offline demo upstream, not a real model."""
        return self.targets[0].provider.name == DEMO


class ModelTable(dict[str, ModelSpec]):
    """Enabled models by public name, and the aliases (dated ids, older names) that resolve to them."""

    def __init__(self, models: dict[str, ModelSpec] | None = None, aliases: dict[str, str] | None = None) -> None:
        super().__init__(models or {})
        self.aliases: dict[str, str] = aliases or {}


@dataclass(frozen=True)
class Snapshot:
    models: ModelTable
    demo: bool
    built_at: float
    expires_at: float = float("inf")  # when a scheduled price change takes effect

    @property
    def serves_demo(self) -> bool:
        """Whether any model is still answered by the simulated upstream (all of them in demo mode, and
        those no configured provider deploys while the default upstream is not set up)."""
        return any(spec.simulated for spec in self.models.values())

    @property
    def fresh(self) -> bool:
        now = time.monotonic()
        return now - self.built_at <= CATALOG_TTL and now < self.expires_at


_snapshot: Snapshot | None = None


def build_snapshot() -> Snapshot:
    """Read the catalog and providers from the database. Sync."""
    providers = load_configured_providers()
    demo = not providers
    # Until the default upstream is configured, a model none of whose providers is set up yet keeps the
    # demo target it had, so adding a first provider never empties the catalog.
    keep_default = "aisa" not in providers
    models = ModelTable()
    now = timezone.now()
    rows = list(CatalogModel.objects.filter(enabled=True).prefetch_related("deployments", "price_versions"))
    for row in rows:
        deployments = [d for d in row.deployments.all() if d.enabled]
        targets = tuple(
            Target(providers[d.provider], d.upstream_model, d.priority, d.weight)
            for d in deployments
            if d.provider in providers
        )
        if not targets and keep_default:
            targets = (Target(demo_provider(), row.name),)
        if not targets:
            continue
        models[row.name] = ModelSpec(
            name=row.name,
            family=row.family,
            description=row.description,
            prices=active_prices(row, now),
            context_window=row.context_window,
            max_output_tokens=row.max_output_tokens,
            supports_vision=row.supports_vision,
            supports_tools=row.supports_tools,
            fallbacks=tuple(str(f) for f in row.fallbacks or ()),
            targets=targets,
            deprecated=row.deprecated,
        )
    models.aliases = {
        alias: name for alias, name in ModelAlias.objects.values_list("alias", "model__name") if name in models
    }
    built = time.monotonic()
    change = next_change(rows, now)
    expires = built + (change - now).total_seconds() if change is not None else float("inf")
    return Snapshot(models=models, demo=demo, built_at=built, expires_at=expires)


def snapshot() -> Snapshot:
    """The current snapshot, rebuilt if stale. Sync (may touch the database)."""
    global _snapshot
    current = _snapshot
    if current is None or not current.fresh:
        current = _snapshot = build_snapshot()
    return current


async def asnapshot() -> Snapshot:
    current = _snapshot
    if current is not None and current.fresh:
        return current
    return await run_db(snapshot)


def find_model(models: dict[str, ModelSpec], name: str) -> ModelSpec:
    """The model called `name`, or the one `name` is an alias of. Raises ModelNotFound (404)."""
    spec = models.get(name) if isinstance(name, str) else None
    if spec is None and isinstance(name, str) and isinstance(models, ModelTable) and name in models.aliases:
        spec = models.get(models.aliases[name])
    if spec is None:
        raise ModelNotFound(
            f"Model '{name}' is not available. GET /v1/models lists the models this hub serves.", param="model"
        )
    return spec


def serving_summary(before: Snapshot, after: Snapshot) -> str:
    """What a provider change did to the catalog, for the admin: who serves how many models now."""
    counts: dict[str, int] = {}
    for spec in after.models.values():
        first = spec.targets[0].provider.name
        counts[first] = counts.get(first, 0) + 1
    served = ", ".join(f"{name}: {n}" for name, n in sorted(counts.items()))
    lost = sorted(set(before.models) - set(after.models))
    line = f"Catalog: {len(after.models)} models served (first choice — {served or 'none'})."
    if counts.get("demo"):
        line += f" {counts['demo']} stay on the demo upstream until a configured provider deploys them."
    if lost:
        line += f" No longer served: {', '.join(lost[:10])}{' …' if len(lost) > 10 else ''}."
    return line


def invalidate(*_args: object, **_kwargs: object) -> None:
    global _snapshot
    _snapshot = None


def catalog_changed(*_args: object, **_kwargs: object) -> None:
    """A catalog row changed here: rebuild this process's snapshot, and tell the other workers (Redis)."""
    invalidate()
    cache_generations.bump("catalog")


cache_generations.watch("catalog", invalidate)
for _model in (CatalogModel, Deployment, Provider, ModelAlias, PriceVersion):
    post_save.connect(catalog_changed, sender=_model, dispatch_uid=f"catalog-{_model.__name__}-save")
    post_delete.connect(catalog_changed, sender=_model, dispatch_uid=f"catalog-{_model.__name__}-delete")
