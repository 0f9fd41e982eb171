"""Ollama: a local server's OpenAI-compatible endpoint, keyless; configured by OLLAMA_BASE_URL."""

from llmhub.providers.kind import ProviderKind

KIND = ProviderKind(
    name="ollama",
    label="Ollama",
    speaks=("openai",),
    base_url="http://127.0.0.1:11434/v1",
    base_url_env="OLLAMA_BASE_URL",
    keyless=True,
)
