"""The client wire formats the /v1 edge speaks, one object each, and which one a path speaks."""

from llmhub.api.formats.anthropic import ANTHROPIC
from llmhub.api.formats.base import ClientFormat
from llmhub.api.formats.gemini import GEMINI
from llmhub.api.formats.openai import OPENAI


def format_for_path(path: str) -> ClientFormat:
    """The wire format of an endpoint, for errors raised before its view runs."""
    if path.startswith("/v1/messages"):
        return ANTHROPIC
    if path.startswith("/v1beta/") or ":generateContent" in path or ":streamGenerateContent" in path:
        return GEMINI
    return OPENAI


__all__ = ["ANTHROPIC", "GEMINI", "OPENAI", "ClientFormat", "format_for_path"]
