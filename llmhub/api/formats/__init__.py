"""The client wire formats the /v1 edge speaks, one object each, and which one a path speaks."""

import re

from llmhub.api.formats.anthropic import ANTHROPIC
from llmhub.api.formats.base import ClientFormat
from llmhub.api.formats.gemini import GEMINI
from llmhub.api.formats.openai import OPENAI
from llmhub.api.formats.responses import RESPONSES

GEMINI_METHOD = re.compile(
    r"/models/[^/]+:(generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents)$"
)


def format_for_path(path: str) -> ClientFormat:
    """The wire format of an endpoint, for errors raised before its view runs."""
    if path.startswith("/v1/messages"):
        return ANTHROPIC
    # Gemini's methods are the model's path with ":method" (a colon alone is not one: "llama3:8b", "ft:gpt-4o:...").
    if path.startswith("/v1beta/") or GEMINI_METHOD.search(path):
        return GEMINI
    return OPENAI


__all__ = ["ANTHROPIC", "GEMINI", "OPENAI", "RESPONSES", "ClientFormat", "format_for_path"]
