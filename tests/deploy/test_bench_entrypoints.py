"""`make bench`'s offline entry points run as the README says (they once crashed on import, unnoticed)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_router_eval_runs_from_a_bare_shell():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-m", "bench.router_eval"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "auto router" in result.stdout and "saves" in result.stdout


def test_make_bench_runs_end_to_end_in_smoke_mode():
    """`make bench`'s own runner, each benchmark that needs no PostgreSQL or Redis, a fraction of a second a point."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(
        [sys.executable, "-m", "bench.run_all", "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "requests/s at 16 concurrent" in result.stdout  # the gateway benchmark's table
    assert "passthrough /v1/messages" in result.stdout
    errors = re.findall(r"errors: (\d+)\)", result.stdout)
    assert errors and set(errors) == {"0"}  # every request of every point answered 200
    assert "auto router" in result.stdout
    counted = re.findall(r"chat completions → OpenAI \(reference\) +(\d+)\n", result.stdout)
    assert counted and int(counted[0]) > 100  # the call counter counted a request's work
