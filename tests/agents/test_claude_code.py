"""Claude Code (the real npm package, `claude -p`) completes a read-a-file, run-a-command task through the hub.

Only its base URL and key point at the hub; the hub's Anthropic upstream is the scripted model on loopback,
so /v1/messages is passed through. Every request is answered 2xx and each model call billed once to the team.
"""

from __future__ import annotations

import pytest

from tests.agents.conftest import PROMPT, SECRET_WORD, AgentHub, assert_client_tool, assert_served_and_billed

pytestmark = pytest.mark.django_db(transaction=True)


def claude_env(agent_hub: AgentHub, key: str) -> dict[str, str]:
    return agent_hub.env(
        ANTHROPIC_BASE_URL=agent_hub.url,
        ANTHROPIC_API_KEY=key,
        CLAUDE_CONFIG_DIR=str(agent_hub.home / ".claude"),
        DISABLE_TELEMETRY="1",
        DISABLE_ERROR_REPORTING="1",
        DISABLE_AUTOUPDATER="1",
    )


def test_claude_code_reads_a_file_and_runs_a_command(agent_bin, agent_hub, alice, acme):
    claude = agent_bin("claude")
    command = [str(claude), "-p", PROMPT, "--model", "claude-3-5-sonnet", "--allowedTools", "Read,Bash"]
    result = agent_hub.run(command, claude_env(agent_hub, alice.key))

    assert result.returncode == 0, result.stderr
    assert SECRET_WORD in result.stdout and "42" in result.stdout, result.stdout
    records = assert_served_and_billed(agent_hub.served, acme, billed_paths=("/v1/messages",))
    assert len(agent_hub.upstream.served("/v1/messages")) >= 3  # read, shell, answer
    for record in records:
        assert record.provider == "anthropic"
        assert_client_tool(record, "claude-code")
