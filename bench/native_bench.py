"""Passthrough beside translation: the same Anthropic-format client through the hub, once to an Anthropic
upstream (the body and the events go as they came: passthrough) and once to an OpenAI-compatible upstream
(translated both ways), and today's OpenAI chat completions path for reference.

Same fast fake upstream (bench/upstream_server.py, which speaks both wire formats), one uvicorn worker pinned
to one core with key auth, credit holds, metering and charging on; the upstream and the load generator share
the other core. Per path: requests/s at 16 concurrent, added p50 at 1 concurrent (against that upstream route
called directly), streams completed per second at 16 concurrent (stream capacity) and added time to first
token. Run: `python -m bench.native_bench [--database-url ...]` (or `make bench`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from bench.gateway_bench import (
    PY,
    ROOT,
    SERVERS,
    free_port,
    pinned,
    prepare_database,
    wait_for,
    wait_for_port,
)
from bench.load import median, run_load, time_to_first_token

ASK = [{"role": "user", "content": "Say something short."}]
# (label, hub path, upstream route called directly, body): the same client format for the first two.
PATHS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("passthrough /v1/messages → Anthropic", "/v1/messages", "/anthropic/v1/messages", {"model": "claude-3-5-sonnet"}),
    ("translated  /v1/messages → OpenAI", "/v1/messages", "/v1/chat/completions", {"model": "gpt-4o-mini"}),
    ("chat completions → OpenAI (reference)", "/v1/chat/completions", "/v1/chat/completions", {"model": "gpt-4o-mini"}),
]
# Claude goes to the Anthropic upstream (the bench's AIsa deployments of Claude switched off), GPT to AIsa.
CLAUDE_DIRECT = (
    "from llmhub.models import Deployment; "
    "Deployment.objects.filter(provider='aisa', model__family='Claude').update(enabled=False)"
)


def headers_for(hub_path: str, key: str) -> dict[str, str]:
    if hub_path == "/v1/messages":
        return {"x-api-key": key, "anthropic-version": "2023-06-01", "Content-Type": "application/json"}
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


def body_for(hub_path: str, model: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {**model, "messages": ASK}
    if hub_path == "/v1/messages":
        body["max_tokens"] = 64
    return body


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) process `pid` has used so far, from the kernel's own accounting."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(upstream: str, hub: str, key: str, seconds: float, hub_pid: int) -> dict[str, dict[str, float]]:
    """Per path: throughput and added latency, and the hub's CPU time per request at 16 concurrent (which, unlike
    requests/s, other work on a shared machine barely moves: the figure to compare two versions by)."""
    figures: dict[str, dict[str, float]] = {}
    for label, hub_path, direct_path, model in PATHS:
        body, headers = body_for(hub_path, model), headers_for(hub_path, key)
        direct_body = {**body, "model": "bench"}
        f: dict[str, float] = {}
        cpu_before = cpu_seconds(hub_pid)
        via_16 = await run_load(hub + hub_path, key, 16, seconds, body=body, headers=headers)
        f["cpu_ms_per_request"] = (cpu_seconds(hub_pid) - cpu_before) * 1000 / max(via_16.completed, 1)
        direct_1 = await run_load(upstream + direct_path, key, 1, seconds, body=direct_body, headers=headers)
        via_1 = await run_load(hub + hub_path, key, 1, seconds, body=body, headers=headers)
        streams = await run_load(hub + hub_path, key, 16, seconds, body={**body, "stream": True}, headers=headers)
        f["rps_16"], f["errors_16"] = via_16.rps, via_16.errors + via_1.errors + streams.errors
        f["added_p50_1"] = via_1.percentile(0.5) - direct_1.percentile(0.5)
        f["streams_per_s_16"] = streams.rps
        hub_ttft = median(await time_to_first_token(hub + hub_path, key, 100, body=body, headers=headers))
        direct_ttft = median(
            await time_to_first_token(upstream + direct_path, key, 100, body=direct_body, headers=headers)
        )
        f["added_ttft"] = hub_ttft - direct_ttft
        figures[label] = f
        print(
            f"  {label:<40} {f['rps_16']:7.1f} req/s   +{f['added_p50_1']:5.2f} ms p50   "
            f"{f['streams_per_s_16']:7.1f} streams/s   +{f['added_ttft']:5.2f} ms TTFT   "
            f"{f['cpu_ms_per_request']:5.3f} ms hub CPU/req   "
            f"(errors: {int(f['errors_16'])})",
            flush=True,
        )
    return figures


def prepared_env(upstream_url: str, database_url: str = "") -> dict[str, str]:
    """The hub's environment for these benchmarks: AIsa and Anthropic both at the fake upstream (`upstream_url`),
    the bench's own database (SQLite unless `database_url`), no Redis."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url or f"sqlite:///{ROOT / 'bench' / '.bench-db.sqlite3'}",
        "AISA_API_KEY": "bench-upstream-key",
        "AISA_BASE_URL": upstream_url + "/v1",
        "ANTHROPIC_API_KEY": "bench-anthropic-key",
        "ANTHROPIC_BASE_URL": upstream_url + "/anthropic/v1",
        "HTTPS_ONLY": "false",
        "DEBUG": "false",
        "LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--json", default="", help="also write the figures to this file")
    args = parser.parse_args()
    upstream_port, hub_port = free_port(), free_port()
    upstream_url, hub_url = f"http://127.0.0.1:{upstream_port}", f"http://127.0.0.1:{hub_port}"
    env = prepared_env(upstream_url, args.database_url)
    key = prepare_database(env)
    subprocess.run([PY, str(ROOT / "manage.py"), "shell", "-c", CLAUDE_DIRECT], env=env, check=True, cwd=ROOT)
    database = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
    print(f"passthrough benchmark: uvicorn, one worker, database {database}, {args.seconds:.0f} s per point")
    upstream = subprocess.Popen(
        pinned(1, [PY, "-m", "bench.upstream_server", "--port", str(upstream_port)]), cwd=ROOT, env=env
    )
    try:
        wait_for_port(upstream_port)
        argv = [PY, *[a.replace("{port}", str(hub_port)) for a in SERVERS["uvicorn"]]]
        hub = subprocess.Popen(pinned(0, argv), cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        try:
            wait_for(f"{hub_url}/healthz")
            figures = asyncio.run(measure(upstream_url, hub_url, key, args.seconds, hub.pid))
        finally:
            hub.terminate()
            hub.wait(10)
    finally:
        upstream.terminate()
        upstream.wait(10)
    if args.json:
        Path(args.json).write_text(json.dumps(figures))


if __name__ == "__main__":
    main()
