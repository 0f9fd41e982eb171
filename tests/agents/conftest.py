"""The coding agents installed by `make install` into .agents/ (clients/agents/package-lock.json), and the hub
they are driven against.

`agent_bin("claude")` is the path of an installed agent's executable; without it the test skips, or fails under
REQUIRE_AGENTS=1 (`.ci/run`), so a broken install cannot pass CI as skipped tests.

`openai_agent_hub` (openai_fixtures.py) is the hub Codex CLI and opencode are driven against.

`agent_hub` serves the hub on loopback with a recorder around it (every request it answered, with status and
request id) and the scripted model (agent_upstream.py) as its Anthropic and Gemini upstream.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from billing.models import UsageRecord
from tests.agents.agent_upstream import AgentUpstream, Task
from tests.agents.openai_fixtures import openai_agent_hub, openai_agent_upstream  # noqa: F401  (fixtures)
from tests.live_hub import LiveHub
from tests.usage_records import wait_for_record

AGENTS_BIN = Path(__file__).resolve().parents[2] / ".agents" / "node_modules" / ".bin"
SECRET_WORD = "PERIWINKLE"
COMMAND = "expr 6 '*' 7"  # no $(( )): Gemini CLI refuses command substitution in shell calls
PROMPT = f"Read notes.txt, then run `{COMMAND}` in the shell, and tell me the secret word and the number."
NO_INTERNET = "http://127.0.0.1:9"  # a closed port: anything not sent to loopback fails at once


def find_agent(name: str) -> Path:
    path = AGENTS_BIN / name
    if not path.exists():
        reason = f"{name} is not installed in {AGENTS_BIN} (run `make install` with npm on the PATH)"
        if os.environ.get("REQUIRE_AGENTS") == "1":
            pytest.fail(reason + "; REQUIRE_AGENTS=1 makes that a failure")
        pytest.skip(reason)
    return path


@pytest.fixture
def agent_bin() -> Callable[[str], Path]:
    return find_agent


@dataclass
class Served:
    method: str
    path: str
    user_agent: str
    status: int = 0
    request_id: str = ""


@dataclass
class AgentHub:
    url: str
    upstream: AgentUpstream
    workdir: Path
    home: Path
    served: list[Served] = field(default_factory=list)

    def env(self, **variables: str) -> dict[str, str]:
        """A clean environment: PATH, a temporary HOME, no way out but loopback, plus `variables`."""
        proxies = {"HTTPS_PROXY": NO_INTERNET, "HTTP_PROXY": NO_INTERNET, "NO_PROXY": "127.0.0.1,localhost"}
        proxies |= {name.lower(): value for name, value in proxies.items()}
        return {"PATH": os.environ["PATH"], "HOME": str(self.home), "LANG": "C.UTF-8", **proxies, **variables}

    def run(self, command: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command,
            cwd=self.workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )


def recording(served: list[Served]) -> Callable[[Any], Any]:
    """An ASGI wrapper noting each HTTP request the hub answers: method, path, status and x-request-id."""

    def wrap(app: Any) -> Any:
        async def recorder(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            user_agent = dict(scope["headers"]).get(b"user-agent", b"").decode()
            entry = Served(scope["method"], scope["path"], user_agent)
            served.append(entry)

            async def note(message: Any) -> None:
                if message["type"] == "http.response.start":
                    entry.status = message["status"]
                    headers = dict(message.get("headers") or [])
                    entry.request_id = headers.get(b"x-request-id", b"").decode()
                await send(message)

            await app(scope, receive, note)

        return recorder

    return wrap


@pytest.fixture
def agent_hub(settings: Any, transactional_db: Any, tmp_path: Path) -> Iterator[AgentHub]:
    """The hub with the scripted model as its Anthropic and Gemini upstream (AIsa serves neither family)."""
    from django.core.cache import caches

    from billing.keys import forget_cached_keys
    from llmhub import catalog
    from llmhub.catalog.seed import seed_catalog
    from llmhub.gateway import forget_health
    from llmhub.models import Deployment
    from tests.provider_env import clear_provider_env, configure_provider

    workdir, home = tmp_path / "work", tmp_path / "home"
    workdir.mkdir()
    home.mkdir()
    (workdir / "notes.txt").write_text(f"The secret word is {SECRET_WORD}.\n")
    upstream = AgentUpstream(Task(file_path=str(workdir / "notes.txt"), command=COMMAND)).start()
    seed_catalog()
    clear_provider_env(settings)
    configure_provider(settings, "anthropic", key="upstream-anthropic-key", base_url=upstream.url + "/v1")
    configure_provider(settings, "gemini", key="upstream-gemini-key", base_url=upstream.url + "/v1beta")
    settings.HOLD_SWEEP_INTERVAL_SECONDS = 3600
    Deployment.objects.filter(provider="aisa").update(enabled=False)
    catalog.invalidate()
    forget_health()
    forget_cached_keys()
    caches["responses"].clear()
    served: list[Served] = []
    hub = LiveHub().start(wrap=recording(served))
    yield AgentHub(url=hub.url, upstream=upstream, workdir=workdir, home=home, served=served)
    hub.stop()
    upstream.stop()
    catalog.invalidate()
    from llmhub.infra.db_executor import close_db_connections

    close_db_connections()


def assert_served_and_billed(
    served: list[Served], team: Any, *, billed_paths: tuple[str, ...], user_agent: tuple[str, ...]
) -> list[UsageRecord]:
    """Every request the hub answered was 2xx; each model call (a path ending with one of `billed_paths`) has
    exactly one usage record, charged to `team`; every request came with a User-Agent starting with one of `user_agent`.
    Returns the records in request order."""
    assert served, "the agent sent the hub nothing"
    assert all(entry.user_agent.startswith(user_agent) for entry in served), {e.user_agent for e in served}
    failed = [(entry.method, entry.path, entry.status) for entry in served if not 200 <= entry.status < 300]
    assert not failed, f"the hub refused requests: {failed}"
    calls = [entry for entry in served if entry.path.endswith(billed_paths)]
    assert calls, f"no model call among {[entry.path for entry in served]}"
    records = []
    for entry in calls:
        record = wait_for_record(entry.request_id)
        assert UsageRecord.objects.filter(request_id=entry.request_id).count() == 1
        assert record.team_id == team.id
        assert record.status == "ok", (record.status, record.error_code)
        assert record.cost > 0
        records.append(record)
    return records


def assert_key_stays_in_the_hub(upstream: AgentUpstream, key: str) -> None:
    """The upstream saw the hub's own credentials, never the client's key (in headers, query or body)."""
    assert upstream.log
    for entry in upstream.log:
        assert key not in f"{entry.path} {entry.headers} {entry.body}"


def assert_tokens_as_reported(records: list[UsageRecord], upstream: AgentUpstream, path_part: str) -> None:
    """The records count the tokens the upstream reported for the calls they made, one call each."""
    reported = [entry.usage for entry in upstream.served(path_part) if entry.usage]
    assert sorted((record.prompt_tokens, record.completion_tokens) for record in records) == sorted(reported)
    assert not any(record.tokens_estimated for record in records)


# The agents' User-Agents, as these versions send them: Claude Code "claude-cli/2.1.332 (external, sdk-cli)" on
# /v1/messages and "claude-code/2.1.332" on its model discovery (GET /v1/models); Gemini CLI
# "GeminiCLI-tui/0.61.0/<model> (linux; x64; terminal)", even headless.
CLAUDE_CODE_AGENTS = ("claude-cli/", "claude-code/")
GEMINI_CLI_AGENTS = ("GeminiCLI",)
CLAUDE_CODE = "claude-code"
GEMINI_CLI = "gemini-cli"


def assert_client_tool(record: UsageRecord, tool: str) -> None:
    """The usage record names the coding agent that sent the request (UsageRecord.client_tool, read from the
    User-Agent by billing/client_tools.py)."""
    assert record.client_tool == tool, (record.client_tool, tool)
