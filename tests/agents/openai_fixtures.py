"""The hub Codex CLI and opencode are driven against (test_codex_cli.py, test_opencode.py): the live hub with
the scripted OpenAI-format model (agent_upstream_openai.py) as its one provider. Imported by conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.agents.agent_upstream_openai import AgentUpstream
from tests.live_hub import LiveHub, Served


@pytest.fixture(scope="session")
def openai_agent_upstream() -> Iterator[AgentUpstream]:
    upstream = AgentUpstream().start()
    yield upstream
    upstream.stop()


@dataclass
class OpenAIAgentHub:
    """The live hub with the scripted model as its only provider, and alice's key to call it."""

    url: str  # the /v1 base URL
    key: str
    key_id: int
    team: Any
    kind: str  # the provider kind serving the scripted model
    upstream: AgentUpstream
    served: list[Served]


@pytest.fixture
def openai_agent_hub(
    request: Any,
    settings: Any,
    transactional_db: Any,
    live_hub: LiveHub,
    openai_agent_upstream: AgentUpstream,
    acme: Any,
    alice: Any,
) -> Iterator[OpenAIAgentHub]:
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
    configure_provider(settings, kind, key=f"fake-{kind}-key", base_url=openai_agent_upstream.url + "/v1")
    settings.UPSTREAM_READ_TIMEOUT = 20
    catalog.invalidate()
    forget_health()
    forget_cached_keys()
    caches["responses"].clear()
    openai_agent_upstream.reset()
    live_hub.served.clear()
    key_id = alice.user.hub_keys.get().id
    yield OpenAIAgentHub(live_hub.url + "/v1", alice.key, key_id, acme, kind, openai_agent_upstream, live_hub.served)
    openai_agent_upstream.reset()
    catalog.invalidate()
