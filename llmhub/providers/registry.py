"""Which upstreams are configured (env keys and admin rows) and the adapter for each wire format."""

from __future__ import annotations

import importlib

from django.conf import settings

from llmhub.providers.base import ProviderAdapter, ProviderConfig

# Wire format -> "module:class", imported on first use.
ADAPTERS = {
    "openai": "llmhub.providers.openai_compat:OpenAICompatAdapter",
    "anthropic": "llmhub.providers.anthropic.adapter:AnthropicAdapter",
    "gemini": "llmhub.providers.gemini.adapter:GeminiAdapter",
}
# The wire format each env-configured provider speaks.
ENV_WIRE_FORMATS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "gemini",
    "deepseek": "openai",
    "qwen": "openai",
    "xai": "openai",
    "openrouter": "openai",
}
DEMO = "demo"

_adapters: dict[str, ProviderAdapter] = {}


def adapter_for(wire_format: str) -> ProviderAdapter:
    adapter = _adapters.get(wire_format)
    if adapter is None:
        module_name, class_name = ADAPTERS[wire_format].split(":")
        adapter = getattr(importlib.import_module(module_name), class_name)()
        _adapters[wire_format] = adapter
    return adapter


def has_adapter(wire_format: str) -> bool:
    if wire_format not in ADAPTERS:
        return False
    try:
        adapter_for(wire_format)
    except ImportError:
        return False
    return True


def providers_from_env() -> dict[str, ProviderConfig]:
    found: dict[str, ProviderConfig] = {}
    if settings.AISA_API_KEY:
        found["aisa"] = ProviderConfig("aisa", "openai", settings.AISA_BASE_URL.rstrip("/"), settings.AISA_API_KEY)
    for name, key in settings.PROVIDER_KEYS.items():
        if key:
            base = settings.PROVIDER_BASE_URLS[name].rstrip("/")
            found[name] = ProviderConfig(name, ENV_WIRE_FORMATS[name], base, key)
    if settings.OLLAMA_BASE_URL:
        found["ollama"] = ProviderConfig("ollama", "openai", settings.OLLAMA_BASE_URL.rstrip("/"), "")
    return found


def load_configured_providers() -> dict[str, ProviderConfig]:
    """Env providers, overridden or extended by enabled admin rows. Sync: touches the database."""
    from llmhub.models import Provider

    found = providers_from_env()
    for row in Provider.objects.all():
        if not row.enabled:
            found.pop(row.name, None)
            continue
        found[row.name] = ProviderConfig(row.name, row.wire_format, row.base_url.rstrip("/"), row.api_key())
    return {name: cfg for name, cfg in found.items() if has_adapter(cfg.wire_format)}


def demo_provider() -> ProviderConfig:
    return ProviderConfig(DEMO, "openai", settings.DEMO_UPSTREAM_URL.rstrip("/"), "demo")
