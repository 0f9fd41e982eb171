"""Codex CLI (Responses wire) unchanged against the live hub: translated to a chat-completions upstream (what
it sends that cannot be carried is named in x-llmhub-dropped), and passed through to a Responses upstream."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from billing.models import UsageRecord
from tests.agents.agent_process import offline_env

pytestmark = pytest.mark.django_db(transaction=True)


def _codex_exec(codex: Path, hub_url: str, key: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    codex_home = workdir / "home" / ".codex"
    codex_home.mkdir(parents=True)
    provider = f'{{name="hub", base_url="{hub_url}", env_key="HUB_KEY", wire_api="responses"}}'
    env = offline_env(workdir, CODEX_HOME=str(codex_home), HUB_KEY=key)  # nothing reachable but loopback
    command = [str(codex), "exec", "--skip-git-repo-check", "-m", "gpt-4.1"]
    command += ["-c", "check_for_update_on_startup=false", "-c", "analytics.enabled=false"]
    command += ["-c", "model_provider=hub", "-c", f"model_providers.hub={provider}", "Say hello."]
    return subprocess.run(command, env=env, cwd=workdir, capture_output=True, text=True, timeout=120, check=False)


def test_codex_through_a_chat_completions_upstream(agent_bin, hub_url, alice, upstream, tmp_path):
    done = _codex_exec(agent_bin("codex"), hub_url, alice.key, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Hello from fake gpt-4.1." in done.stdout
    sent = upstream.requests_for("/chat/completions")[-1].body
    names = [tool["function"]["name"] for tool in sent["tools"]]
    assert "exec_command" in names
    assert "multi_agent_v1__close_agent" in names  # a function of Codex's namespace tool, flattened
    assert all(tool["type"] == "function" for tool in sent["tools"])  # its hosted web_search is dropped
    assert sent["prompt_cache_key"]  # carried to the chat-completions upstream
    assert [(r.status, r.model_served) for r in UsageRecord.objects.all()] == [("ok", "gpt-4.1")]


def test_codex_through_a_responses_upstream_passes_through(agent_bin, hub_url, alice, upstream, tmp_path, settings):
    from llmhub import catalog
    from llmhub.models import Deployment
    from tests.provider_env import configure_provider

    configure_provider(settings, "openai", key="fake-openai-key", base_url=upstream.url + "/v1")
    Deployment.objects.filter(provider="aisa", model__name="gpt-4.1").update(enabled=False)
    catalog.invalidate()
    done = _codex_exec(agent_bin("codex"), hub_url, alice.key, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Hello from fake gpt-4.1." in done.stdout
    sent = upstream.requests_for("/v1/responses")[-1].body
    assert {"client_metadata", "prompt_cache_key", "include", "tools"} <= set(sent)  # as Codex sent them
    assert upstream.requests_for("/chat/completions") == []
    assert [(r.status, r.provider) for r in UsageRecord.objects.all()] == [("ok", "openai")]
