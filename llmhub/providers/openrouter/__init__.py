"""OpenRouter: OpenAI-compatible chat completions over many vendors' models (the catalog takes its Qwen ones)."""

from llmhub.providers.kind import GenaiSource, ProviderKind

KIND = ProviderKind(
    name="openrouter",
    label="OpenRouter",
    speaks=("openai",),
    base_url="https://openrouter.ai/api/v1",
    key_env="OPENROUTER_API_KEY",
    base_url_env="OPENROUTER_BASE_URL",
    genai=GenaiSource("openrouter", "Qwen", "qwen/"),
    own_params=("models",),  # its own fallback list of OpenRouter model ids
)
