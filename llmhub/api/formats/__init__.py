"""The client wire formats the /v1 edge speaks, one object each, and which one a path speaks."""

from llmhub.api.formats.anthropic import ANTHROPIC
from llmhub.api.formats.base import ClientFormat
from llmhub.api.formats.gemini import GEMINI
from llmhub.api.formats.openai import OPENAI
from llmhub.api.formats.responses import RESPONSES


def format_for_path(path: str) -> ClientFormat:
    """The wire format of an endpoint, for errors raised before its view runs."""
    if path.startswith("/v1/messages"):
        return ANTHROPIC
    # Gemini's methods are the model's path with ":method" (generateContent, countTokens, embedContent, ...).
    if path.startswith("/v1beta/") or (path.startswith("/v1/models/") and ":" in path.rsplit("/", 1)[-1]):
        return GEMINI
    return OPENAI


__all__ = ["ANTHROPIC", "GEMINI", "OPENAI", "RESPONSES", "ClientFormat", "format_for_path"]
