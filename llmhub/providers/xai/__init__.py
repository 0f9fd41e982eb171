"""xAI (Grok): OpenAI-compatible chat completions."""

from llmhub.providers.kind import GenaiSource, ProviderKind

KIND = ProviderKind(
    name="xai",
    label="xAI",
    speaks=("openai",),
    base_url="https://api.x.ai/v1",
    key_env="XAI_API_KEY",
    base_url_env="XAI_BASE_URL",
    genai=GenaiSource("x-ai", "Grok", "grok-"),
)
