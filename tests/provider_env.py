"""Provider settings for tests: every kind's key and base-URL variable is a setting of the same name."""

from __future__ import annotations

from typing import Any

from llmhub.providers.registry import kinds


def clear_provider_env(settings: Any) -> None:
    """No provider configured from the environment: every key and every keyless kind's base URL empty."""
    for kind in kinds().values():
        if kind.key_env:
            setattr(settings, kind.key_env, "")
        if kind.keyless and kind.base_url_env:
            setattr(settings, kind.base_url_env, "")


def configure_provider(settings: Any, name: str, *, key: str, base_url: str) -> None:
    """Configure the kind `name` from the environment, as its KEY and BASE_URL variables would."""
    kind = kinds()[name]
    if kind.key_env:
        setattr(settings, kind.key_env, key)
    setattr(settings, kind.base_url_env, base_url)
