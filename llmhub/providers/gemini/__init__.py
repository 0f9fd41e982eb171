"""Google Gemini: generateContent (the `gemini` wire format) and batchEmbedContents."""

from llmhub.providers.kind import GenaiSource, ProviderKind

KIND = ProviderKind(
    name="gemini",
    label="Google Gemini",
    speaks=("gemini",),
    base_url="https://generativelanguage.googleapis.com/v1beta",
    key_env="GEMINI_API_KEY",
    base_url_env="GEMINI_BASE_URL",
    genai=GenaiSource("google", "Gemini", "gemini-"),
)
