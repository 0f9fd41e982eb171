"""The hub as production runs it (a uvicorn process, its lifespan on) on the test database, for tests of a
fleet: several workers sharing PostgreSQL (and Redis, when REDIS_URL is set)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn_hub(port: int, fake_url: str, **extra_env: str) -> subprocess.Popen[bytes]:
    """Start a worker serving 127.0.0.1:`port` with the fake upstream as AIsa; see `wait_until_serving`."""
    db = connection.settings_dict
    env = {
        **os.environ,
        # pytest-django's test database, so the test reads what the worker writes (and the worker its people).
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SECRET_KEY": settings.SECRET_KEY,  # the test's session cookies must be valid in the worker
        "AISA_API_KEY": "fake-aisa-key",
        "AISA_BASE_URL": fake_url + "/v1",
        "UPSTREAM_READ_TIMEOUT": "5",
        "HTTPS_ONLY": "false",
        "DEBUG": "false",
        "PYTHONPATH": str(ROOT),
        **extra_env,
    }
    argv = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    return subprocess.Popen([*argv, "llmhub.asgi:application"], cwd=ROOT, env=env)


def wait_until_serving(hub: subprocess.Popen[bytes], port: int, seconds: float = 30) -> None:
    """Return once the worker answers HTTP; kill it and fail if it does not within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and hub.poll() is None:
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    stop_hub(hub)
    raise AssertionError(f"the hub on port {port} did not come up (exit code {hub.returncode})")


def stop_hub(hub: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as a deploy stops a worker (it closes its database connections); SIGKILL if it hangs."""
    if hub.poll() is None:
        hub.terminate()
        try:
            hub.wait(10)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait(10)


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())
