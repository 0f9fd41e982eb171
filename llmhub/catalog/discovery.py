"""Upstream discovery: read a provider's own model list (OpenAI-style `/models`; OpenRouter's carries
prices and context lengths) to mark which models its deployments serve and add the models we lack."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from llmhub.catalog.pricing import Prices
from llmhub.catalog.sync import Change, SyncPlan
from llmhub.errors import InvalidRequest
from llmhub.infra import http_client
from llmhub.models import CatalogModel, Deployment, ModelAlias
from llmhub.providers.registry import load_configured_providers

# OpenRouter vendor prefix -> family; only the families the hub serves are added from OpenRouter.
FAMILIES = {
    "openai": "GPT",
    "anthropic": "Claude",
    "google": "Gemini",
    "qwen": "Qwen",
    "deepseek": "DeepSeek",
    "x-ai": "Grok",
    "meta-llama": "Llama",
}
MILLION = Decimal(1_000_000)


def fetch_models(provider: str) -> list[dict[str, Any]]:
    """The provider's model list (its `data` array). Raises InvalidRequest when it is not configured."""
    config = load_configured_providers().get(provider)
    if config is None:
        raise InvalidRequest(f"Provider '{provider}' is not configured (set its key or add it in the admin).")
    headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}

    async def get() -> bytes:
        try:
            response = await http_client.send("GET", f"{config.base_url}/models", headers=headers, content=b"")
            try:
                return await response.aread()
            finally:
                await response.aclose()
        finally:
            await http_client.close_client()

    body = json.loads(asyncio.run(get()))
    data = body.get("data") if isinstance(body, dict) else None
    return [item for item in data or () if isinstance(item, dict) and isinstance(item.get("id"), str)]


def _per_million(value: Any) -> Decimal | None:
    try:
        price = Decimal(str(value)) * MILLION
    except (InvalidOperation, ValueError):
        return None
    return price.normalize() if price.is_finite() and price >= 0 else None


def _prices(item: dict[str, Any]) -> Prices:
    pricing = item.get("pricing") if isinstance(item.get("pricing"), dict) else {}
    assert isinstance(pricing, dict)
    return Prices(
        input=_per_million(pricing.get("prompt")) or Decimal(0),
        output=_per_million(pricing.get("completion")) or Decimal(0),
        cached_input=_per_million(pricing.get("input_cache_read")) or None,
        cache_write=_per_million(pricing.get("input_cache_write")) or None,
    )


def _entry(provider: str, item: dict[str, Any]) -> Any:
    from llmhub.catalog.genai_import import Entry

    upstream_id = str(item["id"])
    vendor, _, rest = upstream_id.partition("/")
    name = rest or upstream_id
    family = FAMILIES.get(vendor, vendor.replace("-", " ").title()) if rest else "Other"
    context = int(item.get("context_length") or 128_000)
    top = item.get("top_provider") if isinstance(item.get("top_provider"), dict) else {}
    max_out = int((top or {}).get("max_completion_tokens") or min(8_192, context))
    modalities = (item.get("architecture") or {}).get("input_modalities") or ()
    params = item.get("supported_parameters")
    return Entry(
        name=name,
        family=family,
        provider=provider,
        upstream_model=upstream_id,
        prices=_prices(item),
        context_window=context,
        max_output_tokens=max_out,
        supports_vision="image" in modalities,
        supports_tools=True if params is None else "tools" in params,
        deprecated=False,
        description=str(item.get("name") or "")[:200],
    )


def plan_discovery(provider: str, items: list[dict[str, Any]]) -> SyncPlan:
    """Mark the provider's deployments listed or not, and plan the listed models the catalog lacks."""
    plan = SyncPlan(source=f"upstream:{provider}")
    listed = {str(item["id"]) for item in items}
    for deployment in Deployment.objects.filter(provider=provider):
        is_listed = deployment.upstream_model in listed
        if deployment.listed_upstream != is_listed:
            plan.listings.append((deployment.pk, is_listed))
    known = set(CatalogModel.objects.values_list("name", flat=True)) | set(
        ModelAlias.objects.values_list("alias", flat=True)
    )
    served = set(Deployment.objects.filter(provider=provider).values_list("upstream_model", flat=True))
    for item in items:
        upstream_id = str(item["id"])
        vendor = upstream_id.partition("/")[0] if "/" in upstream_id else ""
        if (
            upstream_id in served
            or upstream_id.endswith(":free")
            or (provider == "openrouter" and vendor not in FAMILIES)
        ):
            continue
        entry = _entry(provider, item)
        if entry.name in known:
            continue
        known.add(entry.name)
        plan.new.append(Change(entry.name, entry))
        if not (entry.prices.input or entry.prices.output):
            plan.disabled.append(entry.name)
    plan.total = CatalogModel.objects.count() + len(plan.new)
    return plan


def sync_from_upstream(provider: str, *, dry_run: bool = False) -> SyncPlan:
    plan = plan_discovery(provider, fetch_models(provider))
    if not dry_run and not plan.empty:
        plan.apply()
    return plan
