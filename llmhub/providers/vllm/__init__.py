"""vLLM (or any self-hosted OpenAI-compatible server), keyless; configured by VLLM_BASE_URL."""

from llmhub.providers.kind import ProviderKind

KIND = ProviderKind(
    name="vllm",
    label="vLLM",
    speaks=("openai",),
    base_url="http://127.0.0.1:8001/v1",
    base_url_env="VLLM_BASE_URL",
    keyless=True,
)
