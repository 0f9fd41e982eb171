"""Gemini CLI (the real npm package, `gemini -p --yolo`) completes a read-a-file, run-a-command task through
the hub.

Only its base URL and key point at the hub; the hub's Gemini upstream is the scripted model on loopback. Every
request is answered 2xx and each model call billed once to the team.
"""

from __future__ import annotations

import json

import pytest

from tests.agents.agent_upstream import SIGNATURE, gemini_signatures
from tests.agents.conftest import (
    GEMINI_CLI,
    GEMINI_CLI_AGENTS,
    PROMPT,
    SECRET_WORD,
    AgentHub,
    assert_client_tool,
    assert_key_stays_in_the_hub,
    assert_served_and_billed,
    assert_tokens_as_reported,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Gemini CLI 0.61 reads GOOGLE_GEMINI_BASE_URL alone as its "gateway" auth type, which headless mode refuses
# ("Invalid auth method selected"); choosing the API-key method in its settings keeps the base URL.
SETTINGS = {
    "security": {"auth": {"selectedType": "gemini-api-key"}},
    "privacy": {"usageStatisticsEnabled": False},
    "telemetry": {"enabled": False},
    "general": {"disableAutoUpdate": True, "disableUpdateNag": True},
}


def gemini_env(agent_hub: AgentHub, key: str) -> dict[str, str]:
    settings_dir = agent_hub.home / ".gemini"
    settings_dir.mkdir(exist_ok=True)
    (settings_dir / "settings.json").write_text(json.dumps(SETTINGS))
    return agent_hub.env(
        GOOGLE_GEMINI_BASE_URL=agent_hub.url,
        GEMINI_API_KEY=key,
        GEMINI_TELEMETRY_ENABLED="false",
        GEMINI_CLI_NO_RELAUNCH="true",  # no second node process with a bigger heap
    )


def test_gemini_cli_reads_a_file_and_runs_a_command(agent_bin, agent_hub, alice, acme):
    # --skip-trust: an untrusted folder turns --yolo back into asking, which headless mode cannot.
    gemini = agent_bin("gemini")
    command = [str(gemini), "-p", PROMPT, "-m", "gemini-2.0-flash", "--yolo", "--skip-trust"]
    result = agent_hub.run(command, gemini_env(agent_hub, alice.key))

    assert result.returncode == 0, result.stderr
    assert SECRET_WORD in result.stdout and "42" in result.stdout, result.stdout
    records = assert_served_and_billed(
        agent_hub.served,
        acme,
        billed_paths=(":generateContent", ":streamGenerateContent"),
        user_agent=GEMINI_CLI_AGENTS,
    )
    assert_tokens_as_reported(records, agent_hub.upstream, "/v1beta/models/")
    assert_key_stays_in_the_hub(agent_hub.upstream, alice.key)
    assert len(agent_hub.upstream.served(":streamGenerateContent")) >= 3  # read, shell, answer
    for record in records:
        assert record.provider == "gemini"
        assert_client_tool(record, GEMINI_CLI)


def test_gemini_cli_on_a_claude_model(agent_bin, agent_hub, alice, acme):
    """Across formats: its Gemini requests (thought signatures, function responses) translated to the Anthropic
    upstream."""
    gemini = agent_bin("gemini")
    command = [str(gemini), "-p", PROMPT, "-m", "claude-3-5-sonnet", "--yolo", "--skip-trust"]
    result = agent_hub.run(command, gemini_env(agent_hub, alice.key))

    assert result.returncode == 0, result.stderr
    assert SECRET_WORD in result.stdout and "42" in result.stdout, result.stdout
    records = assert_served_and_billed(
        agent_hub.served,
        acme,
        billed_paths=(":generateContent", ":streamGenerateContent"),
        user_agent=GEMINI_CLI_AGENTS,
    )
    assert_tokens_as_reported(records, agent_hub.upstream, "/v1/messages")
    assert_key_stays_in_the_hub(agent_hub.upstream, alice.key)
    assert len(agent_hub.upstream.served("/v1/messages")) >= 3
    for record in records:
        assert record.provider == "anthropic"
        assert_client_tool(record, GEMINI_CLI)


def test_gemini_cli_thought_signatures_reach_the_upstream(agent_bin, agent_hub, alice):
    """Gemini's thinking models sign their function calls and refuse a conversation whose calls come back
    unsigned: the signatures Gemini CLI returns must reach the upstream (Gemini to Gemini passes through)."""
    gemini = agent_bin("gemini")
    command = [str(gemini), "-p", PROMPT, "-m", "gemini-2.0-flash", "--yolo", "--skip-trust"]
    result = agent_hub.run(command, gemini_env(agent_hub, alice.key))

    assert result.returncode == 0, result.stderr
    last = agent_hub.upstream.served(":streamGenerateContent")[-1]
    assert gemini_signatures(last.body) == [SIGNATURE, SIGNATURE]
