"""The coding agents installed by `make install` into .agents/ (clients/agents/package-lock.json).

`agent_bin("claude")` is the path of an installed agent's executable; without it the test skips, or fails under
REQUIRE_AGENTS=1 (`.ci/run`), so a broken install cannot pass CI as skipped tests. `agent_hub` is the live hub
with the scripted model (agent_upstream_openai.py) as its one provider.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.agents.agent_upstream_openai import AgentUpstream
from tests.live_hub import LiveHub, Served

AGENTS_BIN = Path(__file__).resolve().parents[2] / ".agents" / "node_modules" / ".bin"


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


@pytest.fixture(scope="session")
def agent_upstream() -> Iterator[AgentUpstream]:
    upstream = AgentUpstream().start()
    yield upstream
    upstream.stop()


@dataclass
class AgentHub:
    """The live hub with the scripted model as its only provider, and alice's key to call it."""

    url: str  # the /v1 base URL
    key: str
    key_id: int
    team: Any
    kind: str  # the provider kind serving the scripted model
    upstream: AgentUpstream
    served: list[Served]


@pytest.fixture
def agent_hub(
    request: Any,
    settings: Any,
    transactional_db: Any,
    live_hub: LiveHub,
    agent_upstream: AgentUpstream,
    acme: Any,
    alice: Any,
) -> Iterator[AgentHub]:
    """The scripted model configured as one provider kind, through its environment variables: "openai" by
    default (chat completions, and the Responses API where the kind speaks it), or the kind a test names by
    indirect parametrisation (e.g. "aisa", which speaks only chat completions)."""
    from django.core.cache import caches

    from billing.keys import forget_cached_keys
    from llmhub import catalog
    from llmhub.catalog.seed import seed_catalog
    from llmhub.gateway import forget_health
    from tests.provider_env import clear_provider_env, configure_provider

    kind = getattr(request, "param", "openai")
    seed_catalog()
    clear_provider_env(settings)
    configure_provider(settings, kind, key=f"fake-{kind}-key", base_url=agent_upstream.url + "/v1")
    settings.UPSTREAM_READ_TIMEOUT = 20
    catalog.invalidate()
    forget_health()
    forget_cached_keys()
    caches["responses"].clear()
    agent_upstream.reset()
    live_hub.served.clear()
    key_id = alice.user.hub_keys.get().id
    yield AgentHub(live_hub.url + "/v1", alice.key, key_id, acme, kind, agent_upstream, live_hub.served)
    agent_upstream.reset()
    catalog.invalidate()
