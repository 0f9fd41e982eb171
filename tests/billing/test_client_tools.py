"""Reading which tool sent a request from its User-Agent: the strings each client really sends."""

from __future__ import annotations

import anthropic
import openai
import pytest
from google.genai import _api_client as genai_client

from billing.client_tools import tool_from_user_agent, tool_label, tool_of_request

# As each tool's public source builds it (see billing/client_tools.py); the first of each coding agent is what the
# installed release (Claude Code 2.1.332 -p, Codex 0.171.0 exec, Gemini CLI 0.61.0 -p, opencode 1.18.33 run)
# sent to a loopback server.
SENT = [
    ("claude-cli/2.1.332 (external, sdk-cli)", "claude-code"),
    ("codex_exec/0.171.0 (Debian 12.0.0; x86_64) xterm (codex_exec; 0.171.0)", "codex"),
    ("GeminiCLI-tui/0.61.0/gemini-2.5-flash (linux; x64; terminal)", "gemini-cli"),
    ("opencode/1.18.33 ai-sdk/provider-utils/4.0.46 runtime/bun/1.3.14", "opencode"),
    ("claude-cli/2.1.332 (external, cli)", "claude-code"),
    ("claude-cli/1.0.113 (external, cli)", "claude-code"),
    ("claude-cli/2.0.62 (external, sdk-ts)", "claude-code"),
    ("codex_exec/0.171.0 (Ubuntu 24.4.0; x86_64) dumb", "codex"),
    ("codex_cli_rs/0.38.0 (Ubuntu 24.04.2 LTS; x86_64) WindowsTerminal", "codex"),
    ("codex_vscode/0.171.0 (Mac OS 15.5.0; arm64) vscode/1.104.0", "codex"),
    ("GeminiCLI/0.61.0/gemini-2.5-pro (linux; x64; terminal)", "gemini-cli"),
    ("GeminiCLI-a2a-server/0.61.0/gemini-2.5-flash (linux; x64; terminal)", "gemini-cli"),
    (
        "CloudCodeVSCode/0.61.0 (aidev_client; os_type=Linux; os_version=6.8.0; arch=x64; host_path=VSCode/1.104.0; "
        "proxy_client=geminicli)",
        "gemini-cli",
    ),
    ("GeminiCLI/0.1.5 (linux; x64)", "gemini-cli"),
    ("GeminiCLI/0.61.0 (linux; x64) google-genai-sdk/1.30.0 gl-node/v22.20.0", "gemini-cli"),
    ("opencode/1.18.33 ai-sdk/provider-utils/4.0.23 runtime/bun/1.3.14", "opencode"),
    ("ai-sdk/anthropic/3.0.12 ai-sdk/provider-utils/4.0.23 runtime/bun/1.3.14", "opencode"),
    ("OpenAI/JS 6.3.0", "openai-node"),
    ("Anthropic/JS 0.65.0", "anthropic-node"),
    ("google-genai-sdk/1.30.0 gl-node/v22.20.0", "google-genai"),
    ("langchain-partner-python-azure-openai", "langchain"),
    ("litellm/1.110.2", "litellm"),  # litellm.llms.custom_httpx.http_handler.default_user_agent (slow to import)
    ("curl/8.5.0", "curl"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36", "other"),
    ("python-httpx/0.28.1", "other"),
    ("ai-sdk/openai-compatible/1.0.2 ai-sdk/provider-utils/3.0.9 runtime/node.js/22", "other"),
    ("", "other"),
]


@pytest.mark.parametrize(("user_agent", "tool"), SENT)
def test_user_agent_names_its_tool(user_agent, tool):
    assert tool_from_user_agent(user_agent) == tool


def test_the_installed_sdks_are_recognised_by_what_they_send():
    """The Python SDKs' own strings, read from the installed packages rather than written down."""
    assert tool_from_user_agent(openai.OpenAI(api_key="k", base_url="http://x").user_agent) == "openai-python"
    assert tool_from_user_agent(openai.AsyncOpenAI(api_key="k", base_url="http://x").user_agent) == "openai-python"
    assert tool_from_user_agent(anthropic.Anthropic(api_key="k").user_agent) == "anthropic-python"
    assert tool_from_user_agent(anthropic.AsyncAnthropic(api_key="k").user_agent) == "anthropic-python"
    headers: dict[str, str] = {}
    genai_client.append_library_version_headers(headers)
    assert tool_from_user_agent(headers["user-agent"]) == "google-genai"


def test_opencode_headers_name_it_whatever_the_user_agent():
    headers = {"User-Agent": "ai-sdk/openai-compatible/1.0.2", "x-opencode-session": "ses_01"}
    assert tool_of_request(headers) == "opencode"
    assert tool_of_request({"User-Agent": "curl/8.5.0"}) == "curl"
    assert tool_of_request({}) == "other"


def test_labels_name_tools_and_records_from_before():
    assert tool_label("claude-code") == "Claude Code"
    assert tool_label("") == "Not recorded"
    assert tool_label("something-new") == "something-new"
