"""Groq: OpenAI-compatible chat completions (streams report usage in `x_groq.usage`)."""

from llmhub.providers.kind import ProviderKind

KIND = ProviderKind(
    name="groq",
    label="Groq",
    speaks=("openai",),
    base_url="https://api.groq.com/openai/v1",
    key_env="GROQ_API_KEY",
    base_url_env="GROQ_BASE_URL",
)
