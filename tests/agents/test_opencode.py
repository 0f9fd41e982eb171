"""opencode (`opencode run`), configured only with a provider whose base URL is the hub and whose key is a hub
key, completes a task that reads a file and runs a shell command; every request it sends is answered 2xx and
metered once, to the key's team.

Two ways users point it at a gateway: a provider of their own on the AI SDK's OpenAI-compatible package (chat
completions), and opencode's own `openai` provider with the base URL changed (the AI SDK's OpenAI package, which
speaks the Responses API)."""

from __future__ import annotations

import json
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


def opencode_config(hub_url: str, key: str, package: str) -> dict[str, Any]:
    """What a user writes to use the hub: a provider on the AI SDK `package` with two of the hub's models."""
    provider = "hub" if package == "@ai-sdk/openai-compatible" else "openai"
    return {
        "$schema": "https://opencode.ai/config.json",
        "model": f"{provider}/gpt-4.1",
        "small_model": f"{provider}/gpt-4o-mini",  # titles are written by the small model: a side request, metered
        "autoupdate": False,
        "share": "disabled",
        "permission": {"bash": "allow", "read": "allow", "edit": "deny", "webfetch": "deny"},
        "provider": {
            provider: {
                "npm": package,
                "name": "LLM Hub",
                "options": {"baseURL": hub_url, "apiKey": key},
                "models": {"gpt-4.1": {"name": "GPT-4.1"}, "gpt-4o-mini": {"name": "GPT-4o mini"}},
            }
        },
    }


def opencode_env(root: Path, config: Path) -> dict[str, str]:
    models = root / "models.json"
    models.write_text("{}")  # no models.dev catalog: the provider's models come from the config alone
    return offline_env(
        root,
        OPENCODE_CONFIG=str(config),
        OPENCODE_MODELS_PATH=str(models),
        OPENCODE_DISABLE_MODELS_FETCH="1",
        OPENCODE_DISABLE_AUTOUPDATE="1",
        OPENCODE_DISABLE_SHARE="1",
        OPENCODE_DISABLE_LSP_DOWNLOAD="1",
        OPENCODE_DISABLE_DEFAULT_PLUGINS="1",
        OPENCODE_DISABLE_CLAUDE_CODE="1",
    )


@pytest.mark.parametrize(
    ("package", "endpoint"),
    [("@ai-sdk/openai-compatible", "/v1/chat/completions"), ("@ai-sdk/openai", "/v1/responses")],
    ids=["openai-compatible", "openai-responses"],
)
def test_opencode_reads_a_file_and_runs_a_shell_command_through_the_hub(
    agent_bin: Any, openai_agent_hub: Any, tmp_path: Path, package: str, endpoint: str
) -> None:
    opencode = agent_bin("opencode")
    folder = task_folder(tmp_path)
    openai_agent_hub.upstream.task = folder.task
    config = tmp_path / "opencode.json"
    config.write_text(json.dumps(opencode_config(openai_agent_hub.url, openai_agent_hub.key, package)))

    result = run_agent([str(opencode), "run", PROMPT], cwd=folder.workdir, env=opencode_env(tmp_path, config))

    failure = transcript(result) + "\n--- upstream saw\n" + openai_agent_hub.upstream.summary()
    assert result.returncode == 0, failure
    assert f"the secret word is {folder.secret}" in result.stdout, failure
    assert "the shell printed 42" in result.stdout, failure
    assert_all_served_ok(openai_agent_hub.served)
    assert {s.path for s in openai_agent_hub.served} == {endpoint}
    # Upstream, the hub's OpenAI provider takes each request in its own format when it speaks it.
    native = endpoint == "/v1/chat/completions" or "responses" in kinds()["openai"].speaks
    assert {r.path for r in openai_agent_hub.upstream.received} == {endpoint if native else "/v1/chat/completions"}
    records = metered_records(openai_agent_hub.served, team=openai_agent_hub.team, key_id=openai_agent_hub.key_id)
    # The three steps on the main model (read, bash, answer), and the title on the small one.
    assert sorted(r.model_requested for r in records) == ["gpt-4.1"] * 3 + ["gpt-4o-mini"], failure
    assert_charged_as_reported(records, openai_agent_hub.upstream.reported)
    assert_client_tool(records, "opencode")
