"""What makes an upstream provider kind: its identity, the wire formats it speaks natively, where it lives
by default, the environment variables that configure it, and where the catalog finds its prices.

Each kind is one folder under `llmhub/providers/` whose `__init__` defines `KIND`, and one line of
`registry.KINDS`. Wire formats (how a request is written and an answer read) live in the folder of the
kind that defines them (`openai/`, `anthropic/`, `gemini/`) and are shared by every kind that speaks them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# A kind's own touch on an outgoing request body (after translation or on passthrough), e.g. a
# parameter only that provider takes. Called with the body and the client's native body (or None).
RequestHook = Callable[[dict[str, Any], dict[str, Any] | None], dict[str, Any]]
# Where a kind's stream chunks carry the usage when not in the format's own place (Groq: `x_groq.usage`):
# the chunk in, the usage object (read as the format's usage) or None out.
StreamUsage = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class GenaiSource:
    """Where genai-prices keeps this kind's models: its provider id, the catalog family, the id prefix kept."""

    provider_id: str
    family: str
    prefix: str = ""


@dataclass(frozen=True)
class ProviderKind:
    name: str
    label: str
    # Wire formats the upstream speaks natively; a request in another format is translated to the first.
    speaks: tuple[str, ...]
    base_url: str  # the default; `base_url_env` overrides it
    key_env: str = ""  # the API key's environment variable ("" for keyless local servers)
    base_url_env: str = ""
    # Keyless kinds (Ollama, vLLM) are configured by setting their base URL variable instead of a key.
    keyless: bool = False
    genai: GenaiSource | None = None
    request_hook: RequestHook | None = None
    stream_usage: StreamUsage | None = None
    # Request fields only this kind's upstream takes (OpenRouter's own `models` list): sent to it as the
    # client wrote them, left out of requests to every other upstream.
    own_params: tuple[str, ...] = ()

    @property
    def wire_format(self) -> str:
        return self.speaks[0]
