"""AIsa: the OpenAI-compatible aggregator, the hub's default upstream for every catalog model."""

from llmhub.providers.kind import ProviderKind

KIND = ProviderKind(
    name="aisa",
    label="AIsa",
    speaks=("openai",),
    base_url="https://api.aisa.one/v1",
    key_env="AISA_API_KEY",
    base_url_env="AISA_BASE_URL",
)
