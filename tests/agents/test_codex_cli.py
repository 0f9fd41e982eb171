"""Codex CLI (`codex exec`), configured only with a model provider whose base URL is the hub, whose key is a hub
key and whose wire is the Responses API, completes a task that reads a file and runs a shell command (in its
workspace-write sandbox); every request it sends is answered 2xx and metered once, to the key's team.

Twice: with the model behind AIsa, which speaks only chat completions (the hub translates), and behind OpenAI,
whose kind says whether it speaks the Responses API (then the request passes through)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from llmhub.providers.registry import kinds
from tests.agents.agent_process import PROMPT, offline_env, run_agent, task_folder, transcript
from tests.agents.hub_checks import (
    assert_all_served_ok,
    assert_charged_as_reported,
    assert_client_tool,
    metered_records,
)


def codex_config(hub_url: str) -> str:
    """What a user writes to $CODEX_HOME/config.toml to use the hub (the key is read from HUB_API_KEY)."""
    return f"""
model = "gpt-4.1"
model_provider = "hub"
check_for_update_on_startup = false

[analytics]
enabled = false

[model_providers.hub]
name = "LLM Hub"
base_url = "{hub_url}"
env_key = "HUB_API_KEY"
wire_api = "responses"
"""


@pytest.mark.parametrize("openai_agent_hub", ["aisa", "openai"], indirect=True)
def test_codex_exec_reads_a_file_and_runs_a_shell_command_through_the_hub(
    agent_bin: Any, openai_agent_hub: Any, tmp_path: Path
) -> None:
    codex = agent_bin("codex")
    folder = task_folder(tmp_path)
    openai_agent_hub.upstream.task = folder.task
    codex_home = tmp_path / "codex-home"
    codex_home.mkdir()
    (codex_home / "config.toml").write_text(codex_config(openai_agent_hub.url))
    env = offline_env(tmp_path, CODEX_HOME=str(codex_home), HUB_API_KEY=openai_agent_hub.key)
    argv = [str(codex), "exec", "--strict-config", "--skip-git-repo-check", "--ephemeral", "-s", "workspace-write"]

    result = run_agent([*argv, PROMPT], cwd=folder.workdir, env=env)

    failure = transcript(result) + "\n--- upstream saw\n" + openai_agent_hub.upstream.summary()
    assert result.returncode == 0, failure
    assert f"the secret word is {folder.secret}" in result.stdout, failure
    assert "the shell printed 42" in result.stdout, failure
    assert_all_served_ok(openai_agent_hub.served)
    records = metered_records(openai_agent_hub.served, team=openai_agent_hub.team, key_id=openai_agent_hub.key_id)
    assert [r.model_requested for r in records] == ["gpt-4.1"] * 3, failure  # read, shell, answer
    assert_charged_as_reported(records, openai_agent_hub.upstream.reported)
    assert_client_tool(records, "codex")
    native = "responses" in kinds()[openai_agent_hub.kind].speaks
    wire = "/v1/responses" if native else "/v1/chat/completions"
    assert [r.path for r in openai_agent_hub.upstream.received] == [wire] * 3, failure
    # Codex offers its hosted web search tool: a chat upstream cannot run it, and every answer says it was dropped.
    dropped = [s.headers.get("x-llmhub-dropped", "").split(",") for s in openai_agent_hub.served]
    assert all(("tools.web_search" in names) != native for names in dropped), dropped
    if native:  # Codex's own body reached the upstream: its session's cache key and its metadata included
        bodies = [r.body for r in openai_agent_hub.upstream.received]
        assert all(b["prompt_cache_key"] and "client_metadata" in b and b["model"] == "gpt-4.1" for b in bodies)
        assert all({"type": "web_search", "external_web_access": False} in b["tools"] for b in bodies)
