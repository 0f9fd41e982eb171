"""Two real hub workers on PostgreSQL under page and API load hold no more database connections than the
README's formula allows: workers × (DB_POOL_MAX + 1), the pool of each worker plus its pipeline."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pytest
from django.db import connection

from tests.hub_process import free_port, spawn_hub, stop_hub, wait_until_serving

pytestmark = pytest.mark.django_db(transaction=True)
POOL_MAX = 4
WORKERS = 2
BOUND = WORKERS * (POOL_MAX + 1)
APP_NAME = "llmhub-pool-test"


def _worker_connections() -> int:
    """The workers' connections to the test database (they name themselves through PGAPPNAME)."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
            [APP_NAME],
        ).fetchone()
    return int(row[0]) if row else 0


class PeakWatcher:
    """Samples the workers' connection count every 50 ms while the load runs; `peak` is the most seen."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _worker_connections())
            time.sleep(0.05)

    def __enter__(self) -> PeakWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


@pytest.fixture
def pooled_fleet(upstream: Any) -> Iterator[list[str]]:
    if connection.vendor != "postgresql":
        pytest.skip("hub processes cannot share the SQLite test database; runs in the PostgreSQL lane")
    ports = [free_port() for _ in range(WORKERS)]
    # DEBUG: static files from the source folders (no collectstatic manifest in a checkout).
    env = {"DB_POOL_MAX": str(POOL_MAX), "PGAPPNAME": APP_NAME, "LOGIN_FAILURES_PER_ADDRESS": "10000", "DEBUG": "true"}
    hubs = [spawn_hub(port, upstream.url, **env) for port in ports]
    try:
        for hub, port in zip(hubs, ports, strict=True):
            wait_until_serving(hub, port)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for hub in hubs:
            stop_hub(hub)


def _failed_login(base: str, n: int) -> list[int]:
    """A signed-out visitor: the login page, then a wrong password (a new session each time)."""
    with httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, page.text[:300]
        form = {"csrfmiddlewaretoken": token.group(1), "username": f"nobody{n}", "password": "wrong"}
        sent = client.post("/accounts/login/", data=form, headers={"Referer": base + "/accounts/login/"})
        return [page.status_code, sent.status_code]


def _api_calls(base: str, key: str) -> list[int]:
    with httpx.Client(base_url=base, timeout=30) as client:
        anonymous = client.get("/v1/models")
        body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}
        keyed = client.post("/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"})
        return [anonymous.status_code, keyed.status_code]


def test_page_and_api_load_stays_within_the_pool_bound(pooled_fleet, alice):
    jobs = 150  # 300 page requests (sign-in page, wrong password) and 300 API requests across the 2 workers
    with PeakWatcher() as watcher, ThreadPoolExecutor(max_workers=12) as pool:
        logins = [pool.submit(_failed_login, pooled_fleet[n % WORKERS], n) for n in range(jobs)]
        calls = [pool.submit(_api_calls, pooled_fleet[n % WORKERS], alice.key) for n in range(jobs)]
        statuses = [status for job in [*logins, *calls] for status in job.result()]
    assert statuses.count(200) == 3 * jobs, sorted(set(statuses))  # pages, wrong passwords, completions
    assert statuses.count(401) == jobs  # /v1/models without a key
    assert 0 < watcher.peak <= BOUND, f"peak {watcher.peak} connections, bound {BOUND}"
    # Idle again: no thread keeps a borrowed connection; what stays open is the pools' and pipelines' own.
    assert _worker_connections() <= BOUND
