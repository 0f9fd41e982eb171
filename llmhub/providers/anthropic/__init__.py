"""Anthropic: the Messages API (the `anthropic` wire format)."""

from llmhub.providers.kind import GenaiSource, ProviderKind

KIND = ProviderKind(
    name="anthropic",
    label="Anthropic",
    speaks=("anthropic",),
    base_url="https://api.anthropic.com/v1",
    key_env="ANTHROPIC_API_KEY",
    base_url_env="ANTHROPIC_BASE_URL",
    genai=GenaiSource("anthropic", "Claude", "claude-"),
)
