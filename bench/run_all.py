"""`make bench`: every benchmark, one after another, printing its figures.

Gateway overhead on SQLite and PostgreSQL (daphne, uvicorn and granian), passthrough beside translation, the
calls each path makes per request, then each further bench
module that is present (a 4-worker fleet on PostgreSQL + Redis, dashboards at 1M records, the
auto-router's labelled set).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/llmhub_bench")
FURTHER = ["bench.native_bench", "bench.call_count", "bench.fleet_bench", "bench.router_eval", "bench.dashboards"]


def run(module: str, *args: str) -> int:
    print(f"\n=== python -m {module} {' '.join(args)}".rstrip(), flush=True)
    return subprocess.call([sys.executable, "-m", module, *args])


def smoke() -> int:
    """`python -m bench.run_all --smoke`: each benchmark that runs on the embedded default, for a fraction of a
    second per point, to show they run end to end (tests/deploy/test_bench_entrypoints.py); no figures to quote."""
    failures = run("bench.gateway_bench", "--servers", "uvicorn", "--seconds", "0.3")
    failures += run("bench.native_bench", "--seconds", "0.3")
    failures += run("bench.call_count", "--requests", "5")
    failures += run("bench.router_eval")
    return 1 if failures else 0


def main() -> int:
    if "--smoke" in sys.argv[1:]:
        return smoke()
    with tempfile.TemporaryDirectory() as folder:
        sqlite, postgres = Path(folder, "sqlite.json"), Path(folder, "postgres.json")
        failures = run("bench.gateway_bench", "--json", str(sqlite))
        failures += run("bench.gateway_bench", "--database-url", PG_URL, "--json", str(postgres))
        if sqlite.exists() and postgres.exists():
            print_ratio(json.loads(sqlite.read_text()), json.loads(postgres.read_text()))
    for module in FURTHER:
        if importlib.util.find_spec(module) is not None:
            failures += run(module)
    return 1 if failures else 0


def print_ratio(sqlite: dict[str, dict[str, float]], postgres: dict[str, dict[str, float]]) -> None:
    """One worker's requests/s at 16 concurrent on PostgreSQL against SQLite, per server."""
    print("\nPostgreSQL / SQLite, requests/s at 16 concurrent (one worker):")
    for server in sorted(sqlite.keys() & postgres.keys()):
        lite, pg = sqlite[server]["hub_rps_16"], postgres[server]["hub_rps_16"]
        print(f"  {server:<8} {pg:8.1f} / {lite:8.1f} = {pg / lite:.2f}")


if __name__ == "__main__":
    sys.exit(main())
