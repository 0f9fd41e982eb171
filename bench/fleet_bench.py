"""A fleet: 4 uvicorn workers on PostgreSQL + Redis in front of the loopback fake upstream.

Requests/s and added p50/p99 against the upstream called directly, with metrics on (multiprocess mode,
the circuit breaker's state in Redis) and with metrics off: the difference is what metrics cost.
Bounded: a few seconds per point, about a minute in all. Run: `python -m bench.fleet_bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import tempfile
import urllib.request

from bench.gateway_bench import PY, ROOT, free_port, prepare_database, wait_for, wait_for_port
from bench.load import LoadResult, run_load

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/llmhub_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
WORKERS = 4


def hub_argv(port: int) -> list[str]:
    return [
        PY, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS),
        "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
        "llmhub.asgi:application",
    ]  # fmt: skip


def line(label: str, result: LoadResult, direct: LoadResult) -> str:
    return (
        f"  {label:<24} {result.rps:8.1f} req/s   p50 {result.percentile(0.5):6.2f} ms  p99 "
        f"{result.percentile(0.99):7.2f} ms   added p50 {result.percentile(0.5) - direct.percentile(0.5):6.2f} ms"
        f" / p99 {result.percentile(0.99) - direct.percentile(0.99):7.2f} ms   errors {result.errors}"
    )


def scrape_has_requests(hub_url: str, token: str) -> bool:
    request = urllib.request.Request(hub_url + "/metrics", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return b"llmhub_requests_total{" in response.read()


def run_hub(env: dict[str, str], port: int, key: str, args: argparse.Namespace) -> LoadResult:
    hub = subprocess.Popen(hub_argv(port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    hub_url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{hub_url}/healthz", 60)
        result = asyncio.run(run_load(f"{hub_url}/v1/chat/completions", key, args.concurrency, args.seconds))
        if env.get("METRICS_ENABLED") == "true" and not scrape_has_requests(hub_url, env["METRICS_TOKEN"]):
            raise RuntimeError("/metrics did not count the load")
        return result
    finally:
        hub.terminate()
        hub.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--database-url", default=PG_URL)
    parser.add_argument("--redis-url", default=REDIS_URL)
    args = parser.parse_args()

    upstream_port, hub_port = free_port(), free_port()
    upstream_url = f"http://127.0.0.1:{upstream_port}"
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "AISA_API_KEY": "bench-upstream-key",
        "AISA_BASE_URL": upstream_url + "/v1",
        "HTTPS_ONLY": "false",
        "DEBUG": "false",
        "LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(ROOT),
        "METRICS_TOKEN": "bench-metrics-token",
    }
    key = prepare_database(env)
    print(
        f"fleet benchmark: {WORKERS} uvicorn workers, PostgreSQL + Redis, {args.concurrency} concurrent clients, "
        f"{args.seconds:.0f} s per point"
    )
    upstream = subprocess.Popen([PY, "-m", "bench.upstream_server", "--port", str(upstream_port)], cwd=ROOT, env=env)
    try:
        wait_for_port(upstream_port)
        direct = asyncio.run(run_load(f"{upstream_url}/v1/chat/completions", key, args.concurrency, args.seconds))
        with tempfile.TemporaryDirectory(prefix="llmhub-metrics-") as multiproc:
            on = run_hub({**env, "METRICS_ENABLED": "true", "PROMETHEUS_MULTIPROC_DIR": multiproc}, hub_port, key, args)
        off_env = {**env, "METRICS_ENABLED": "false"}
        off_env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        off = run_hub(off_env, hub_port, key, args)
    finally:
        upstream.terminate()
        upstream.wait(10)
    print(
        f"  {'upstream direct':<24} {direct.rps:8.1f} req/s   p50 {direct.percentile(0.5):6.2f} ms  p99 {direct.percentile(0.99):7.2f} ms"
    )
    print(line("hub, metrics on", on, direct))
    print(line("hub, metrics off", off, direct))
    cost = (off.rps - on.rps) / off.rps * 100 if off.rps else float("nan")
    print(f"  metrics cost: {cost:.1f}% of throughput, {on.percentile(0.5) - off.percentile(0.5):.2f} ms at p50")


if __name__ == "__main__":
    main()
