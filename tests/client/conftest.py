"""Fixtures for the client tests: run the CLI script as a subprocess, or import its SDK."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
SCRIPT = SCRIPTS / "llm_router_client.py"
# A 1×1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)


@pytest.fixture
def run_cli(hub_url: str, alice: Any):
    """run_cli(*args, key=alice's key, env=None) -> CompletedProcess with text stdout/stderr."""

    def run(*args: str, key: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        clean = {k: v for k, v in os.environ.items() if k not in ("AISA_API_KEY", "LLMHUB_API_KEY", "LLMHUB_BASE_URL")}
        full_env = {**clean, "LLMHUB_BASE_URL": hub_url, "LLMHUB_API_KEY": key or alice.key, **(env or {})}
        return subprocess.run(
            [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=full_env, timeout=60
        )

    return run


@pytest.fixture
def sdk(hub_url: str, alice: Any) -> Any:
    """An LLMRouterClient for alice, imported the way the seed's users import it."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    from llm_router_client import LLMRouterClient

    return LLMRouterClient(api_key=alice.key, base_url=hub_url, timeout=30)


@pytest.fixture
def png_file(tmp_path: Path) -> Path:
    path = tmp_path / "pixel.png"
    path.write_bytes(PNG)
    return path
