"""The hosted tool calls a request allows its upstream to run and bill (web search, file search, code
interpreter, web fetch): what the credit hold covers for them, read from the tools the client declared."""

from __future__ import annotations

from typing import Any

from llmhub.providers.base import ChatRequest

# Hosted calls the hold covers when the client declared a hosted tool but no limit for it (`max_tool_calls` on
# the Responses API, a tool's `max_uses` on Anthropic's): a charge for more is cut to the hold (and flagged).
DEFAULT_HOSTED_CALLS = 5
# Hosted tool calls one answer can bill, per tool: beyond this an upstream's count is noise, not searches. Also
# the most calls a hold covers, whatever limit the client names.
MAX_SERVER_TOOL_CALLS = 100
# What one hosted tool call (a web search, a fetched page, a file search) may add to the prompt the upstream bills.
HOSTED_CALL_PROMPT_TOKENS = 100_000
# Declared tool types (by prefix) an upstream runs itself and bills per call: Responses' web_search(_preview),
# file_search and code_interpreter; Anthropic's web_search_20250305, web_fetch_*, code_execution_*.
_HOSTED_PREFIXES = ("web_search", "web_fetch", "file_search", "code_interpreter", "code_execution")


def hosted_call_allowance(request: ChatRequest) -> int:
    """How many hosted tool calls `request` may have its upstream run: 0 when it declares no hosted tool; else
    the client's own limit (`max_tool_calls`, or each tool's `max_uses`), or DEFAULT_HOSTED_CALLS a tool. Reads
    only the tools lists (never the messages): it runs on every request."""
    body = request.native.body if request.native is not None else request.params
    limits = [_limit(tool) for tool in _tools(body) if _is_hosted(tool)]
    if isinstance(request.params.get("web_search_options"), dict):  # chat completions' search models
        limits.append(DEFAULT_HOSTED_CALLS)
    if not limits:
        return 0
    allowance = sum(limits)
    total = body.get("max_tool_calls")
    if type(total) is int and total >= 0:
        allowance = min(allowance, total)
    return min(allowance, MAX_SERVER_TOOL_CALLS)


def _tools(body: dict[str, Any]) -> list[dict[str, Any]]:
    tools = body.get("tools")
    return [tool for tool in tools if isinstance(tool, dict)] if isinstance(tools, list) else []


def _is_hosted(tool: dict[str, Any]) -> bool:
    kind = tool.get("type")
    return isinstance(kind, str) and kind.startswith(_HOSTED_PREFIXES)


def _limit(tool: dict[str, Any]) -> int:
    uses = tool.get("max_uses")
    return min(uses, MAX_SERVER_TOOL_CALLS) if type(uses) is int and uses >= 0 else DEFAULT_HOSTED_CALLS
