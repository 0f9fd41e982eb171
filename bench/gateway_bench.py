"""Gateway overhead: the hub in front of a fast fake upstream versus that upstream called directly.

Same load, one run: requests/s and p50/p99 latency at 1 and 16 concurrent non-streaming clients, and
time to first token for streams. The hub is pinned to one core (auth, metering and charging on); the
upstream and the load generator share the other. Run: `python -m bench.gateway_bench` (or `make bench`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.load import median, run_load, time_to_first_token

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SERVERS = {
    "daphne": ["-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", "{port}", "llmhub.asgi:application"],
    "uvicorn": [
        "-m",
        "uvicorn",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
        "llmhub.asgi:application",
    ],
    "granian": [
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--workers",
        "1",
        "--loop",
        "uvloop",
        "--no-ws",
        "--log-level",
        "warning",
        "llmhub.asgi:application",
    ],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pinned(core: int, argv: list[str]) -> list[str]:
    return ["taskset", "-c", str(core), *argv] if shutil.which("taskset") else argv


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def ensure_postgres_database(url: str) -> None:
    """Create the benchmark database on first use (the server's `postgres` database must exist)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare_database(env: dict[str, str]) -> str:
    """Migrate the bench database and return a fresh hub key for a team with ample credits."""
    if env["DATABASE_URL"].startswith("postgres"):
        ensure_postgres_database(env["DATABASE_URL"])
    manage = [PY, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    # The pages' static files, as `make run` collects them (else every worker warns that they are missing).
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run(
        [*manage, "create_team", "bench", "--credits", "1000000"], env=env, check=True, cwd=ROOT, capture_output=True
    )
    out = subprocess.run(
        [*manage, "create_key", "bench", "--team", "bench"],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def row(label: str, result_direct: float, result_hub: float, unit: str) -> str:
    return f"  {label:<38} direct {result_direct:9.1f} {unit:<5} hub {result_hub:9.1f} {unit}"


async def measure(upstream: str, hub: str, key: str, seconds: float) -> dict[str, float]:
    figures: dict[str, float] = {}
    for concurrency in (1, 16):
        direct = await run_load(f"{upstream}/v1/chat/completions", key, concurrency, seconds)
        via_hub = await run_load(f"{hub}/v1/chat/completions", key, concurrency, seconds)
        figures[f"direct_rps_{concurrency}"] = direct.rps
        figures[f"hub_rps_{concurrency}"] = via_hub.rps
        figures[f"hub_errors_{concurrency}"] = via_hub.errors
        for p in (0.5, 0.99):
            figures[f"direct_p{int(p * 100)}_{concurrency}"] = direct.percentile(p)
            figures[f"hub_p{int(p * 100)}_{concurrency}"] = via_hub.percentile(p)
    figures["direct_ttft"] = median(await time_to_first_token(f"{upstream}/v1/chat/completions", key, 200))
    figures["hub_ttft"] = median(await time_to_first_token(f"{hub}/v1/chat/completions", key, 200))
    return figures


def report(server: str, f: dict[str, float]) -> None:
    print(f"\nserver: {server} (hub pinned to one core; auth, metering and charging on)")
    for c in (1, 16):
        print(row(f"requests/s at {c} concurrent", f[f"direct_rps_{c}"], f[f"hub_rps_{c}"], "req/s"))
        print(row(f"p50 latency at {c} concurrent", f[f"direct_p50_{c}"], f[f"hub_p50_{c}"], "ms"))
        print(row(f"p99 latency at {c} concurrent", f[f"direct_p99_{c}"], f[f"hub_p99_{c}"], "ms"))
        print(
            f"  {'added p50 / p99 at ' + str(c) + ' concurrent':<38} {f[f'hub_p50_{c}'] - f[f'direct_p50_{c}']:.2f} ms / "
            f"{f[f'hub_p99_{c}'] - f[f'direct_p99_{c}']:.2f} ms   (hub errors: {int(f[f'hub_errors_{c}'])})"
        )
    print(row("stream time to first token (median)", f["direct_ttft"], f["hub_ttft"], "ms"))
    print(f"  {'added time to first token':<38} {f['hub_ttft'] - f['direct_ttft']:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--servers", default="daphne,uvicorn,granian")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--json", default="", help="also write each server's figures to this file")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}

    upstream_port, hub_port = free_port(), free_port()
    upstream_url, hub_url = f"http://127.0.0.1:{upstream_port}", f"http://127.0.0.1:{hub_port}"
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url or f"sqlite:///{ROOT / 'bench' / '.bench-db.sqlite3'}",
        "AISA_API_KEY": "bench-upstream-key",
        "AISA_BASE_URL": upstream_url + "/v1",
        "HTTPS_ONLY": "false",
        "DEBUG": "false",
        "LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    key = prepare_database(env)
    database = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
    print(f"gateway benchmark: {args.seconds:.0f} s per point, database {database}")
    upstream = subprocess.Popen(
        pinned(1, [PY, "-m", "bench.upstream_server", "--port", str(upstream_port)]), cwd=ROOT, env=env
    )
    try:
        wait_for_port(upstream_port)
        for server in args.servers.split(","):
            argv = [PY, *[a.replace("{port}", str(hub_port)) for a in SERVERS[server][0:]]]
            hub = subprocess.Popen(pinned(0, argv), cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
            try:
                wait_for(f"{hub_url}/healthz")
                results[server] = asyncio.run(measure(upstream_url, hub_url, key, args.seconds))
                report(server, results[server])
            finally:
                hub.terminate()
                hub.wait(10)
    finally:
        upstream.terminate()
        upstream.wait(10)
    if args.json:
        Path(args.json).write_text(json.dumps(results))


def wait_for_port(port: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} did not open")


if __name__ == "__main__":
    main()
