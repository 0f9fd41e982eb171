"""Syncing the catalog: the diff between the catalog and a list of models (genai-prices' data, an
upstream's model list), and applying it. Fields an admin edited are never overwritten."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from billing.audit_log import Target, record
from llmhub.catalog.genai_import import Entry, entries, genai_model_for
from llmhub.catalog.history import row_prices, set_row_prices
from llmhub.catalog.seed import seed_catalog
from llmhub.models import CatalogModel, CatalogSync, Deployment, ModelAlias

# The fields a sync keeps up to date on existing rows ("prices" stands for all price fields).
SYNCED = ("prices", "context_window", "deprecated")
PRICE_FIELDS = {"input_price", "output_price", "cached_input_price", "cache_write_price", "image_price", "price_tiers"}


@dataclass
class Change:
    name: str
    entry: Entry | None = None
    row: CatalogModel | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # synced field -> new value


@dataclass
class SyncPlan:
    """What a sync would do; `apply()` does it."""

    source: str
    new: list[Change] = field(default_factory=list)
    repriced: list[Change] = field(default_factory=list)
    updated: list[Change] = field(default_factory=list)  # context window, deprecation
    deprecated: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)  # new models without prices
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> model name, new ones only
    listings: list[tuple[int, bool]] = field(default_factory=list)  # (deployment id, in the upstream's list)
    total: int = 0

    @property
    def empty(self) -> bool:
        return not (self.new or self.repriced or self.updated or self.aliases or self.listings)

    def lines(self) -> list[str]:
        """The diff, one line per change, for --dry-run."""
        out = [f"+ {c.name} ({c.entry.family}): {_price_line(c.entry)}" for c in self.new if c.entry]
        for c in self.repriced:
            if c.row is None or c.entry is None:
                continue
            out.append(f"~ {c.name}: {_price_line_of(row_prices(c.row))} -> {_price_line(c.entry)}")
        out += [f"- {name}: deprecated" for name in self.deprecated]
        out += [f"! {name}: no price, added disabled" for name in self.disabled]
        out += [f"= {alias} -> {name}" for alias, name in self.aliases.items()]
        listed = sum(1 for _, is_listed in self.listings if is_listed)
        if self.listings:
            out.append(f"deployments: {listed} listed by the upstream, {len(self.listings) - listed} not listed")
        return out

    def summary(self) -> str:
        if self.empty and not self.deprecated:
            return f"catalog: {self.total} models (up to date)"
        parts = [f"{len(self.new)} new", f"{len(self.repriced)} repriced", f"{len(self.deprecated)} deprecated"]
        if self.disabled:
            parts.append(f"{len(self.disabled)} disabled until priced")
        return f"catalog: {self.total} models ({', '.join(parts)})"

    def apply(self) -> CatalogSync:
        old_prices = {c.name: _price_line_of(row_prices(c.row)) for c in self.repriced if c.row is not None}
        with transaction.atomic():
            for order, change in enumerate(self.new):
                if change.entry is None:
                    continue
                _create(change.entry, order=200 + order, enabled=change.name not in self.disabled, source=self.source)
            for change in [*self.repriced, *self.updated]:
                row = CatalogModel.objects.get(pk=change.row.pk) if change.row is not None else None
                if row is None:
                    continue
                for name, value in change.fields.items():
                    if name == "prices":
                        set_row_prices(row, value)
                    else:
                        setattr(row, name, value)
                row.source = row.source if row.source == "seed" else self.source
                row.save()
            for deployment_id, is_listed in self.listings:
                Deployment.objects.filter(pk=deployment_id).update(listed_upstream=is_listed)
            taken = set(CatalogModel.objects.values_list("name", flat=True))
            for alias, name in self.aliases.items():
                if alias not in taken:
                    ModelAlias.objects.get_or_create(
                        alias=alias, defaults={"model": CatalogModel.objects.get(name=name)}
                    )
            synced = CatalogSync.objects.create(
                source=self.source,
                new=[c.name for c in self.new],
                repriced=[c.name for c in self.repriced],
                deprecated=self.deprecated,
                disabled=self.disabled,
            )
            self._audit(synced, old_prices)
            return synced

    def _audit(self, synced: CatalogSync, old_prices: dict[str, str]) -> None:
        """One audit entry per applied sync: the prices each repriced model had and has, what came and went."""
        new_prices = {c.name: _price_line(c.entry) for c in self.repriced if c.entry is not None}
        after = {
            "new": synced.new,
            "repriced": new_prices,
            "deprecated": synced.deprecated,
            "disabled": synced.disabled,
        }
        label = f"{self.source}: {self.summary()}"
        record(None, "catalog.sync", Target.of("catalog_sync", synced.pk, label), {"repriced": old_prices}, after)


def _price_line_of(prices: Any) -> str:
    line = f"${prices.input}/${prices.output} per 1M"
    if prices.tiers:
        line += f", {len(prices.tiers)} tiers"
    if prices.variants:
        line += f", tiers: {', '.join(n for n, _ in prices.variants)}"
    return line


def _price_line(entry: Entry) -> str:
    return _price_line_of(entry.prices) if entry.prices.input or entry.prices.output else "unpriced"


def _create(entry: Entry, *, order: int, enabled: bool, source: str) -> CatalogModel:
    row = CatalogModel(
        name=entry.name,
        family=entry.family,
        description=entry.description,
        context_window=entry.context_window,
        max_output_tokens=entry.max_output_tokens,
        supports_vision=entry.supports_vision,
        supports_tools=entry.supports_tools,
        deprecated=entry.deprecated,
        enabled=enabled,
        source=source,
        sort_order=order,
    )
    set_row_prices(row, entry.prices)
    row.save()
    Deployment.objects.create(model=row, provider="aisa", upstream_model=entry.name, priority=10)
    if entry.provider != "aisa":
        Deployment.objects.create(model=row, provider=entry.provider, upstream_model=entry.upstream_model, priority=20)
    return row


def _direct_model(row: CatalogModel) -> Any:
    """The genai-prices model a row's direct deployment resolves to."""
    for deployment in row.deployments.all():
        if deployment.provider not in ("aisa", "ollama"):
            found = genai_model_for(deployment.provider, deployment.upstream_model)
            if found is not None:
                return found
    return None


def _changes(row: CatalogModel, entry: Entry) -> dict[str, Any]:
    edited = set(row.admin_edited or ())
    fields: dict[str, Any] = {}
    if not (edited & PRICE_FIELDS) and row_prices(row).to_json() != entry.prices.to_json():
        fields["prices"] = entry.prices
    # The seed's context windows are exact (1,047,576 for gpt-4.1); genai-prices rounds some (1,000,000).
    curated = row.source == "seed"
    if (
        "context_window" not in edited
        and not curated
        and entry.context_known
        and row.context_window != entry.context_window
    ):
        fields["context_window"] = entry.context_window
    if "deprecated" not in edited and entry.deprecated and not row.deprecated:
        fields["deprecated"] = True
    return fields


def plan_sync(found: list[Entry], *, source: str, deprecate_missing: bool = True) -> SyncPlan:
    """The diff between the catalog and `found`: new models, repriced ones, deprecations, aliases."""
    plan = SyncPlan(source=source)
    rows = {r.name: r for r in CatalogModel.objects.prefetch_related("deployments")}
    known_aliases = dict(ModelAlias.objects.values_list("alias", "model__name"))
    by_model: dict[int, list[CatalogModel]] = {}  # genai model object id -> rows it prices
    for existing in rows.values():
        if (model := _direct_model(existing)) is not None:
            by_model.setdefault(id(model), []).append(existing)
    seen: set[str] = set()
    for entry in found:
        priced_rows = by_model.get(id(entry.model), []) if entry.model is not None else []
        row: CatalogModel | None = rows.get(entry.name) or rows.get(known_aliases.get(entry.name, ""))
        if row is None:
            # An older, shorter name of the same model (claude-3-opus for claude-3-opus-latest) takes it.
            row = next((r for r in priced_rows if entry.name.startswith(r.name + "-")), None)
            if row is not None:
                plan.aliases[entry.name] = row.name
        targets = [row] if row is not None else []
        if row is not None and row.source == "seed" and entry.model is not None and row not in priced_rows:
            # A hub row served elsewhere (DashScope's qwen-max, not OpenRouter's) keeps its own prices.
            targets = []
        targets += [r for r in priced_rows if r not in targets]
        if row is None:
            plan.new.append(Change(entry.name, entry))
            if not (entry.prices.input or entry.prices.output):
                plan.disabled.append(entry.name)
        for target in targets:
            seen.add(target.name)
            fields = _changes(target, entry)
            if "deprecated" in fields:
                plan.deprecated.append(target.name)
            if "prices" in fields:
                plan.repriced.append(Change(target.name, entry, target, fields))
            elif fields:
                plan.updated.append(Change(target.name, entry, target, fields))
        for alias in entry.aliases:
            if alias not in known_aliases and alias not in rows and alias not in plan.aliases:
                plan.aliases[alias] = row.name if row is not None else entry.name
    if deprecate_missing:
        gone = [r for r in rows.values() if r.source == source and r.name not in seen and not r.deprecated]
        for missing in gone:
            plan.deprecated.append(missing.name)
            plan.updated.append(Change(missing.name, None, missing, {"deprecated": True}))
    plan.total = len(rows) + len(plan.new)
    return plan


def sync_from_genai_prices(*, dry_run: bool = False) -> SyncPlan:
    """Seed the hub's own rows, then bring the catalog up to genai-prices' data."""
    if not dry_run:
        seed_catalog()
    plan = plan_sync(entries(), source="genai-prices")
    if not dry_run and not plan.empty:
        plan.apply()
    return plan
