"""`make bench`: every benchmark, one after another, printing its figures.

Gateway overhead on SQLite and PostgreSQL (daphne, uvicorn and granian), then each further bench
module that is present (a 4-worker fleet on PostgreSQL + Redis, dashboards at 1M records, the
auto-router's labelled set).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/llmhub_bench")
FURTHER = ["bench.fleet_bench", "bench.router_eval", "bench.dashboards"]


def run(module: str, *args: str) -> int:
    print(f"\n=== python -m {module} {' '.join(args)}".rstrip(), flush=True)
    return subprocess.call([sys.executable, "-m", module, *args])


def main() -> int:
    failures = run("bench.gateway_bench")
    failures += run("bench.gateway_bench", "--database-url", PG_URL)
    for module in FURTHER:
        if importlib.util.find_spec(module) is not None:
            failures += run(module)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
