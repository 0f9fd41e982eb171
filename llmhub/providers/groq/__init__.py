"""Groq: OpenAI-compatible chat completions (streams report usage in `x_groq.usage`)."""

from typing import Any

from llmhub.providers.kind import ProviderKind


def x_groq_usage(chunk: dict[str, Any]) -> Any:
    """Groq's streams put the usage in the last chunk's `x_groq` object, beside its timings."""
    groq = chunk.get("x_groq")
    return groq.get("usage") if isinstance(groq, dict) else None


KIND = ProviderKind(
    name="groq",
    label="Groq",
    speaks=("openai",),
    base_url="https://api.groq.com/openai/v1",
    key_env="GROQ_API_KEY",
    base_url_env="GROQ_BASE_URL",
    stream_usage=x_groq_usage,
)
