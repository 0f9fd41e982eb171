"""Dashboard render times at a million usage records, on SQLite and on PostgreSQL.

Seeds N synthetic records (default 1,000,000, spread over 90 days, 4 teams x 10 users) into a separate
benchmark database unless they are already there, then renders each page through Django's test Client
as a signed-in user and prints the median of several runs. Run: `python -m bench.dashboards`.

SQLite: bench/results/dashboards.sqlite3. PostgreSQL: DATABASE_URL when it points at PostgreSQL, else
BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/llmhub_bench), with the database name
suffixed `_dashboards`; skipped when the server is unreachable.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SQLITE_PATH = ROOT / "bench" / "results" / "dashboards.sqlite3"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/llmhub_bench"
TARGET_MS = 300
LEAD = "synthetic-1-1"  # team admin of synthetic-1 (made by billing.synthetic_usage)
STAFF = "bench-staff"
PAGES = [
    ("Keys", LEAD, "/keys/"),
    ("My usage, 30 days", LEAD, "/usage/"),
    ("My usage, 90 days", LEAD, "/usage/?days=90"),
    ("Team credits", LEAD, "/teams/synthetic-1/credits/"),
    ("Spend review, 30 days", STAFF, "/staff/spend/"),
    ("Spend review, 90 days, one model", STAFF, "/staff/spend/?start={d90}&model=gpt-4o"),
    ("Usage records, page 1", STAFF, "/staff/spend/records/"),
    ("Usage records, page 200", STAFF, "/staff/spend/records/?page=200"),
    ("Spend review, last 7 days (comparison, trend by model)", STAFF, "/staff/spend/?preset=7d"),
    ("Usage records, priciest 20 of 30 days", STAFF, "/staff/spend/records/?sort=cost&top=20"),
    ("Usage records, priciest 20 of 90 days", STAFF, "/staff/spend/records/?start={d90}&sort=cost&top=20"),
    ("Usage records, most tokens, 7 days", STAFF, "/staff/spend/records/?preset=7d&sort=tokens"),
    ("Usage records, slowest, 7 days", STAFF, "/staff/spend/records/?preset=7d&sort=latency"),
    ("Price match, 30 days", STAFF, "/staff/price-match/"),
    ("Credits and audit trail", STAFF, "/staff/credits/"),
]


def pg_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = os.environ.get("BENCH_PG_URL", DEFAULT_PG)
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_dashboards"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="timed renders per page (after one warm-up)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.records, args.runs)
    targets = {"sqlite": f"sqlite:///{SQLITE_PATH}", "postgresql": pg_url()}
    failures = 0
    for name, url in targets.items():
        if args.only and args.only != name:
            continue
        print(f"\n--- {name}: {len(PAGES)} pages at {args.records:,} usage records", flush=True)
        command = [sys.executable, "-m", "bench.dashboards", "--worker", url]
        command += ["--records", str(args.records), "--runs", str(args.runs)]
        failures += subprocess.call(command, cwd=ROOT) != 0
    return 1 if failures else 0


def worker(url: str, records: int, runs: int) -> int:
    os.environ.update(DATABASE_URL=url, HTTPS_ONLY="false", DEBUG="false", ALLOWED_HOSTS="testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "llmhub.settings")
    if url.startswith("postgres"):
        if not ensure_pg_database(url):
            print("PostgreSQL is not reachable: skipped")
            return 0
    else:
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic for a benchmark
    django.setup()
    from django.test.utils import override_settings

    with override_settings(STORAGES=plain_static_storage()):
        seed(records)
        report(measure(runs), url)
    return 0


def plain_static_storage() -> dict[str, dict[str, str]]:
    from django.conf import settings

    # No collectstatic here: plain storage serves {% static %} URLs without a manifest.
    return {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def ensure_pg_database(url: str) -> bool:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        return False
    return True


def seed(records: int) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from billing.models import UsageRecord
    from billing.synthetic_usage import generate_usage, synthetic_authors

    call_command("migrate", verbosity=0)
    users = get_user_model().objects
    if not users.filter(username=STAFF).exists():
        users.create_user(STAFF, is_staff=True)
    have = UsageRecord.objects.count()
    if have >= records:
        print(f"reusing {have:,} usage records already in the benchmark database")
        return
    started = time.monotonic()
    print(f"seeding {records - have:,} usage records (one-off; later runs reuse them) ...", flush=True)
    generate_usage(records - have, authors=synthetic_authors(), days=90, seed=have)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give a real database
    print(f"seeded in {time.monotonic() - started:.0f}s", flush=True)


def measure(runs: int) -> list[tuple[str, float, float, int]]:
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    d90 = (timezone.localdate() - dt.timedelta(days=89)).isoformat()
    clients = {}
    for username in (LEAD, STAFF):
        clients[username] = Client(raise_request_exception=True)
        clients[username].force_login(get_user_model().objects.get(username=username))
    results = []
    for title, username, path in PAGES:
        path = path.format(d90=d90)
        times = []
        for attempt in range(runs + 1):
            started = time.perf_counter()
            response = clients[username].get(path)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
            if attempt:  # the first render warms caches and connections
                times.append(elapsed)
        results.append((title, statistics.median(times), min(times), len(response.content)))
    return results


def report(results: list[tuple[str, float, float, int]], url: str) -> None:
    from billing.models import UsageDailyRollup, UsageRecord

    print(f"{UsageRecord.objects.count():,} usage records, {UsageDailyRollup.objects.count():,} rollup rows")
    print(f"{'page':36} {'median':>9} {'fastest':>9} {'size':>8}")
    for title, median, fastest, size in results:
        flag = "" if median < TARGET_MS else f"  (over the {TARGET_MS} ms target)"
        print(f"{title:36} {median:7.1f}ms {fastest:7.1f}ms {size / 1024:6.0f}kB{flag}")
    worst = max(median for _, median, _, _ in results)
    print(f"slowest page: {worst:.0f} ms (target {TARGET_MS} ms on PostgreSQL)")


if __name__ == "__main__":
    sys.exit(main())
