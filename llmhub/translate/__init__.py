"""Translation between the canonical (OpenAI) format and the native Anthropic and Gemini formats."""
