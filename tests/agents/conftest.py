"""The coding agents installed by `make install` into .agents/ (clients/agents/package-lock.json).

`agent_bin("claude")` is the path of an installed agent's executable; without it the test skips, or fails under
REQUIRE_AGENTS=1 (`.ci/run`), so a broken install cannot pass CI as skipped tests.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

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
