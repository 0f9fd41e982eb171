"""OpenAI: chat completions (the `openai` wire format every OpenAI-compatible kind shares), the Responses API
(the `responses` wire format: a Responses request passes through) and embeddings."""

from llmhub.providers.kind import GenaiSource, ProviderKind

KIND = ProviderKind(
    name="openai",
    label="OpenAI",
    speaks=("openai", "responses"),
    base_url="https://api.openai.com/v1",
    key_env="OPENAI_API_KEY",
    base_url_env="OPENAI_BASE_URL",
    genai=GenaiSource("openai", "GPT"),
)
