"""Which upstreams are configured (env variables and admin rows), the provider kinds, and the adapter for
each wire format.

Adding a provider kind: a folder `llmhub/providers/<name>/` whose `__init__` defines `KIND`, and one line
in KINDS below. Its environment variables become settings of the same names (llmhub/settings.py).
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

from django.conf import settings

from llmhub.errors import UpstreamError
from llmhub.providers.base import ChatRequest, ProviderAdapter, ProviderConfig, Target
from llmhub.providers.kind import ProviderKind

KINDS = (
    "aisa",
    "openai",
    "anthropic",
    "gemini",
    "deepseek",
    "qwen",
    "xai",
    "openrouter",
    "groq",
    "ollama",
    "vllm",
)
# Wire format -> "module:class" of its adapter, imported on first use.
WIRE_ADAPTERS = {
    "openai": "llmhub.providers.openai.chat:OpenAIChatAdapter",
    "responses": "llmhub.providers.openai.responses:OpenAIResponsesAdapter",
    "anthropic": "llmhub.providers.anthropic.adapter:AnthropicAdapter",
    "gemini": "llmhub.providers.gemini.adapter:GeminiAdapter",
}
DEMO = "demo"

_adapters: dict[str, ProviderAdapter] = {}


@functools.cache
def kinds() -> dict[str, ProviderKind]:
    """Every provider kind by name, in KINDS order."""
    return {name: importlib.import_module(f"llmhub.providers.{name}").KIND for name in KINDS}


def takes_param(kind_name: str, param: str) -> bool:
    """Whether the upstream of kind `kind_name` takes `param`, a field only some kinds take (own_params)."""
    kind = kinds().get(kind_name)
    return kind is not None and param in kind.own_params


def foreign_params(kind_name: str) -> frozenset[str]:
    """The fields other kinds own that an upstream of `kind_name` must not be sent."""
    owned = {p for kind in kinds().values() for p in kind.own_params}
    kind = kinds().get(kind_name)
    return frozenset(owned - set(kind.own_params if kind is not None else ()))


def env_settings(env: Any) -> dict[str, str]:
    """Each kind's environment variables (key, base URL) read through `env`, for llmhub/settings.py."""
    values: dict[str, str] = {}
    for kind in kinds().values():
        if kind.key_env:
            values[kind.key_env] = env.str(kind.key_env, default="")
        if kind.base_url_env:
            values[kind.base_url_env] = env.str(kind.base_url_env, default="" if kind.keyless else kind.base_url)
    return values


def adapter_for(wire_format: str) -> ProviderAdapter:
    adapter = _adapters.get(wire_format)
    if adapter is None:
        module_name, class_name = WIRE_ADAPTERS[wire_format].split(":")
        adapter = getattr(importlib.import_module(module_name), class_name)()
        _adapters[wire_format] = adapter
    return adapter


def passes_through(target: Target, request: ChatRequest) -> bool:
    """Whether `target`'s upstream speaks the client's own format, so the client's body goes as it came."""
    native = request.native
    return (
        native is not None
        and native.wire_format in WIRE_ADAPTERS
        and target.provider.speaks_natively(native.wire_format)
    )


def serving_order(targets: list[Target], request: ChatRequest) -> list[Target]:
    """`targets` in the order given; for a request with something only its own format carries
    (`untranslatable`), only the upstreams that speak that format, when there are any: the others could
    only refuse it (and their refusal would hide why those upstreams failed). A request with something a
    translation would drop (`dropped`: prompt-caching hints, thinking, ...) tries the upstreams that take it
    as sent first, then the others (which serve it without those, named in x-llmhub-dropped)."""
    if request.untranslatable is not None:
        return [target for target in targets if passes_through(target, request)] or targets
    if request.dropped:
        native = [target for target in targets if passes_through(target, request)]
        return native + [target for target in targets if target not in native]
    return targets


def adapter_for_call(target: Target, request: ChatRequest) -> ProviderAdapter:
    """The adapter that calls `target` for `request`: the client's own format's when the upstream speaks it
    natively (the adapter then passes the body through), else the upstream's format (translated)."""
    if passes_through(target, request):
        assert request.native is not None
        return adapter_for(request.native.wire_format)
    if request.native is not None and request.native.endpoint:
        # Not this deployment's failure (no health verdict): the next deployment may speak the format.
        raise UpstreamError(
            f"Upstream {target.provider.name} does not speak {request.native.wire_format}, which "
            f"'{request.native.endpoint}' needs.",
            retryable=False,
        )
    if request.untranslatable is not None:
        raise request.untranslatable
    return adapter_for(target.provider.wire_format)


def has_adapter(wire_format: str) -> bool:
    if wire_format not in WIRE_ADAPTERS:
        return False
    try:
        adapter_for(wire_format)
    except ImportError:
        return False
    return True


def _config(kind: ProviderKind, name: str, base_url: str, api_key: str, wire_format: str) -> ProviderConfig:
    """A provider of `kind`; it speaks the kind's native formats when configured in the kind's own format."""
    speaks = kind.speaks if wire_format == kind.wire_format else (wire_format,)
    return ProviderConfig(name, wire_format, base_url.rstrip("/"), api_key, kind=kind.name, speaks=speaks)


def providers_from_env() -> dict[str, ProviderConfig]:
    found: dict[str, ProviderConfig] = {}
    for kind in kinds().values():
        key = getattr(settings, kind.key_env, "") if kind.key_env else ""
        base = getattr(settings, kind.base_url_env, "") if kind.base_url_env else kind.base_url
        if (kind.keyless and base) or key:
            found[kind.name] = _config(kind, kind.name, base or kind.base_url, key, kind.wire_format)
    return found


def load_configured_providers() -> dict[str, ProviderConfig]:
    """Env providers, overridden or extended by enabled admin rows. Sync: touches the database."""
    from llmhub.models import Provider

    found = providers_from_env()
    for row in Provider.objects.all():
        if not row.enabled:
            found.pop(row.name, None)
            continue
        kind = kinds().get(row.name)
        if kind is None:
            found[row.name] = ProviderConfig(row.name, row.wire_format, row.base_url.rstrip("/"), row.api_key())
        else:
            found[row.name] = _config(kind, row.name, row.base_url, row.api_key(), row.wire_format)
    return {name: cfg for name, cfg in found.items() if has_adapter(cfg.wire_format)}


def demo_provider() -> ProviderConfig:
    return ProviderConfig(DEMO, "openai", settings.DEMO_UPSTREAM_URL.rstrip("/"), "demo")
