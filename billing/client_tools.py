"""Which tool sent a request: its User-Agent (and a few tool-specific headers) read into a small fixed set, so
usage records and the spend pages can say how much Claude Code, Codex or an SDK spent.

The strings each tool sends, as their public sources build them:
- Claude Code: `claude-cli/<version> (external, cli)` (`sdk-ts`, `sdk-py` … instead of `cli` in its SDKs)
- Codex CLI: `<originator>/<version> (<os> <os version>; <arch>) <terminal>`, the originator `codex_cli_rs`,
  `codex_exec` for `codex exec`, `codex_vscode` …
- Gemini CLI: `GeminiCLI/<version>/<model> (<platform>; <arch>; <surface>)` (`GeminiCLI-<client name>/…` when
  embedded, older releases without the model), google-genai's `google-genai-sdk/…` sometimes after; in VS Code
  `CloudCodeVSCode/<version> (… proxy_client=geminicli)`
- opencode: `opencode/<version>` followed by the AI SDK's `ai-sdk/provider-utils/<v> runtime/bun/<v>`; to an
  Anthropic-format upstream it sends only the AI SDK's part (with `runtime/bun`, the runtime opencode ships on),
  and to its own gateway `x-opencode-*` headers
- SDKs: `OpenAI/Python <v>` (`AsyncOpenAI/Python`), `OpenAI/JS <v>`, `Anthropic/Python <v>`, `Anthropic/JS <v>`,
  `google-genai-sdk/<v> gl-python/<v>`, `litellm/<v>`; LangChain's clients name `langchain` in theirs
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

CLAUDE_CODE = "claude-code"
CODEX = "codex"
GEMINI_CLI = "gemini-cli"
OPENCODE = "opencode"
OPENAI_PYTHON = "openai-python"
OPENAI_NODE = "openai-node"
ANTHROPIC_PYTHON = "anthropic-python"
ANTHROPIC_NODE = "anthropic-node"
GOOGLE_GENAI = "google-genai"
LITELLM = "litellm"
LANGCHAIN = "langchain"
BROWSER_CHAT = "browser-chat"
CURL = "curl"
OTHER = "other"

# What each tool is called on the pages; "" is a record from before tools were recorded.
LABELS: dict[str, str | Promise] = {
    CLAUDE_CODE: "Claude Code",
    CODEX: "Codex CLI",
    GEMINI_CLI: "Gemini CLI",
    OPENCODE: "opencode",
    OPENAI_PYTHON: "OpenAI SDK (Python)",
    OPENAI_NODE: "OpenAI SDK (Node)",
    ANTHROPIC_PYTHON: "Anthropic SDK (Python)",
    ANTHROPIC_NODE: "Anthropic SDK (Node)",
    GOOGLE_GENAI: "Google Gen AI SDK",
    LITELLM: "LiteLLM",
    LANGCHAIN: "LangChain",
    BROWSER_CHAT: gettext_lazy("Browser chat"),
    CURL: "curl",
    OTHER: gettext_lazy("Other"),
    "": gettext_lazy("Not recorded"),
}
TOOLS = [tool for tool in LABELS if tool]

# First match wins, so a tool built on an SDK comes before the SDK (Gemini CLI sends google-genai's string too;
# LiteLLM and LangChain call through the OpenAI SDK).
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^claude-cli/"), CLAUDE_CODE),
    (re.compile(r"^codex[_-]\w*/"), CODEX),
    (re.compile(r"^GeminiCLI[/-]"), GEMINI_CLI),
    (re.compile(r"proxy_client=geminicli"), GEMINI_CLI),
    (re.compile(r"(^|\s)opencode/"), OPENCODE),
    (re.compile(r"ai-sdk/.*runtime/bun/"), OPENCODE),
    (re.compile(r"langchain", re.IGNORECASE), LANGCHAIN),
    (re.compile(r"(^|\s)litellm/", re.IGNORECASE), LITELLM),
    (re.compile(r"google-genai-sdk/"), GOOGLE_GENAI),
    (re.compile(r"^(Async)?Anthropic/Python\b"), ANTHROPIC_PYTHON),
    (re.compile(r"^(Async)?Anthropic/JS\b"), ANTHROPIC_NODE),
    (re.compile(r"^(Async)?(Azure)?OpenAI/Python\b"), OPENAI_PYTHON),
    (re.compile(r"^(Async)?(Azure)?OpenAI/JS\b"), OPENAI_NODE),
    (re.compile(r"^curl/"), CURL),
]


@functools.lru_cache(maxsize=1024)  # a fleet sees few distinct User-Agents; each is read once per worker
def tool_from_user_agent(user_agent: str) -> str:
    """The tool a User-Agent names, or "other"."""
    agent = user_agent.strip()
    for pattern, tool in _PATTERNS:
        if pattern.search(agent):
            return tool
    return OTHER


def tool_of_request(headers: Mapping[str, str]) -> str:
    """The tool that sent a request, from its headers (case-insensitive, as Django's request.headers are)."""
    if any(headers.get(name) for name in ("x-opencode-session", "x-opencode-client")):
        return OPENCODE
    return tool_from_user_agent(headers.get("User-Agent") or "")


def tool_label(tool: str) -> str:
    """How a tool is named on a page (an unknown value as itself)."""
    return str(LABELS.get(tool, tool))
