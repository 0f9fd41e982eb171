"""Claude Code (the real npm package, `claude -p`) completes a read-a-file, run-a-command task through the hub.

Only its base URL and key point at the hub; the hub's Anthropic upstream is the scripted model on loopback,
so /v1/messages is passed through. Every request is answered 2xx and each model call billed once to the team.
"""

from __future__ import annotations

import json

import pytest

from tests.agents.agent_upstream import SIGNATURE
from tests.agents.conftest import (
    CLAUDE_CODE,
    CLAUDE_CODE_AGENTS,
    PROMPT,
    SECRET_WORD,
    AgentHub,
    assert_client_tool,
    assert_key_stays_in_the_hub,
    assert_served_and_billed,
    assert_tokens_as_reported,
)

pytestmark = pytest.mark.django_db(transaction=True)


def claude_env(agent_hub: AgentHub, key: str, **variables: str) -> dict[str, str]:
    """The key as ANTHROPIC_API_KEY (sent as x-api-key), or as ANTHROPIC_AUTH_TOKEN (a bearer token) when
    `variables` name that instead."""
    key_variable = "ANTHROPIC_AUTH_TOKEN" if "ANTHROPIC_AUTH_TOKEN" in variables else "ANTHROPIC_API_KEY"
    return agent_hub.env(
        **{**variables, key_variable: key},
        ANTHROPIC_BASE_URL=agent_hub.url,
        CLAUDE_CONFIG_DIR=str(agent_hub.home / ".claude"),
        DISABLE_TELEMETRY="1",
        DISABLE_ERROR_REPORTING="1",
        DISABLE_AUTOUPDATER="1",
    )


# Claude Code sends `role: "system"` turns inside `messages` (its environment and reminders, beside the
# `mid-conversation-tool-changes` beta) for the models that accept them, its newest defaults; the first variable
# makes it do so for the catalog's model too. The hub must take them, not answer 400. The second has it list the
# gateway's models (GET /v1/models) at start, as a gateway's users are told to. The key goes as a bearer token.
NEWEST = {
    "CLAUDE_CODE_FORCE_MID_CONVERSATION_SYSTEM": "1",
    "CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY": "1",
    "ANTHROPIC_AUTH_TOKEN": "",
}


@pytest.mark.parametrize("variables", [{}, NEWEST], ids=["plain", "system-turns-and-discovery"])
def test_claude_code_reads_a_file_and_runs_a_command(agent_bin, agent_hub, alice, acme, variables):
    claude = agent_bin("claude")
    command = [str(claude), "-p", PROMPT, "--model", "claude-3-5-sonnet", "--allowedTools", "Read,Bash"]
    result = agent_hub.run(command, claude_env(agent_hub, alice.key, **variables))

    assert result.returncode == 0, result.stderr
    assert SECRET_WORD in result.stdout and "42" in result.stdout, result.stdout
    records = assert_served_and_billed(
        agent_hub.served, acme, billed_paths=("/v1/messages",), user_agent=CLAUDE_CODE_AGENTS
    )
    assert_tokens_as_reported(records, agent_hub.upstream, "/v1/messages")
    assert_key_stays_in_the_hub(agent_hub.upstream, alice.key)
    assert len(agent_hub.upstream.served("/v1/messages")) >= 3  # read, shell, answer
    if variables:
        sent = agent_hub.upstream.served("/v1/messages")[-1].body["messages"]
        assert any(message["role"] == "system" for message in sent)  # passed through unchanged
        assert agent_hub.upstream.served("/v1/messages")[-1].headers["x-api-key"] == "upstream-anthropic-key"
        discovered = json.loads((agent_hub.home / ".claude" / "cache" / "gateway-models.json").read_text())
        assert "claude-3-5-sonnet" in [model["id"] for model in discovered["models"]]
    for record in records:
        assert record.provider == "anthropic"
        assert_client_tool(record, CLAUDE_CODE)


def test_claude_code_on_a_gemini_model(agent_bin, agent_hub, alice, acme):
    """Across formats: its Anthropic requests, system turns and all, translated to the Gemini upstream."""
    claude = agent_bin("claude")
    command = [str(claude), "-p", PROMPT, "--model", "gemini-2.0-flash", "--allowedTools", "Read,Bash"]
    result = agent_hub.run(command, claude_env(agent_hub, alice.key, **NEWEST))

    assert result.returncode == 0, result.stderr
    assert SECRET_WORD in result.stdout and "42" in result.stdout, result.stdout
    records = assert_served_and_billed(
        agent_hub.served, acme, billed_paths=("/v1/messages",), user_agent=CLAUDE_CODE_AGENTS
    )
    assert_tokens_as_reported(records, agent_hub.upstream, "/v1beta/models/")
    assert_key_stays_in_the_hub(agent_hub.upstream, alice.key)
    calls = agent_hub.upstream.served(":streamGenerateContent")
    assert len(calls) >= 3
    system = calls[-1].body["systemInstruction"]["parts"][0]["text"]
    assert "Primary working directory" in system  # Claude Code's environment, sent as a system turn
    for record in records:
        assert record.provider == "gemini"
        assert_client_tool(record, CLAUDE_CODE)


def test_claude_code_on_a_current_model_keeps_its_features(agent_bin, agent_hub, alice, acme):
    """For a model it knows as current, Claude Code asks for thinking and context management, with beta headers:
    the passthrough carries them to the upstream as sent (an alias names the catalog's Claude model so)."""
    from llmhub import catalog
    from llmhub.models import CatalogModel, ModelAlias

    ModelAlias.objects.create(alias="claude-sonnet-4-5", model=CatalogModel.objects.get(name="claude-3-5-sonnet"))
    catalog.invalidate()
    claude = agent_bin("claude")
    command = [str(claude), "-p", PROMPT, "--model", "claude-sonnet-4-5", "--allowedTools", "Read,Bash"]
    result = agent_hub.run(command, claude_env(agent_hub, alice.key))

    assert result.returncode == 0, result.stderr
    assert SECRET_WORD in result.stdout and "42" in result.stdout, result.stdout
    records = assert_served_and_billed(
        agent_hub.served, acme, billed_paths=("/v1/messages",), user_agent=CLAUDE_CODE_AGENTS
    )
    assert_tokens_as_reported(records, agent_hub.upstream, "/v1/messages")
    calls = agent_hub.upstream.served("/v1/messages")
    assert all("thinking" in call.body and "context_management" in call.body for call in calls)
    assert all("interleaved-thinking" in call.headers["anthropic-beta"] for call in calls)
    # The signed thinking blocks reached Claude Code through the hub: it sends them back, signature and all.
    replayed = [block for m in calls[-1].body["messages"] if m["role"] == "assistant" for block in m["content"]]
    assert [block.get("signature") for block in replayed if block["type"] == "thinking"] == [SIGNATURE, SIGNATURE]
    for record in records:
        assert record.provider == "anthropic"
        assert_client_tool(record, CLAUDE_CODE)
