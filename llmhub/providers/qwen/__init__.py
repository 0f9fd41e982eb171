"""Qwen on Alibaba Cloud DashScope, in its OpenAI-compatible mode."""

from llmhub.providers.kind import ProviderKind

KIND = ProviderKind(
    name="qwen",
    label="Qwen (DashScope)",
    speaks=("openai",),
    base_url="https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
    key_env="DASHSCOPE_API_KEY",
    base_url_env="DASHSCOPE_BASE_URL",
)
