"""DeepSeek: OpenAI-compatible chat completions."""

from llmhub.providers.kind import GenaiSource, ProviderKind

KIND = ProviderKind(
    name="deepseek",
    label="DeepSeek",
    speaks=("openai",),
    base_url="https://api.deepseek.com/v1",
    key_env="DEEPSEEK_API_KEY",
    base_url_env="DEEPSEEK_BASE_URL",
    genai=GenaiSource("deepseek", "DeepSeek"),
)
