"""Two real hub workers on PostgreSQL under page and API load hold no more database connections than the
README's formula allows: workers × (DB_POOL_MAX + 1), the pool of each worker plus its pipeline. The test lane
itself is bounded the same way: the pytest process (its live hub included) holds at most its pool plus its
event loops' pipelines, and after its teardown's closing leaves nobody on the test database, so it can be
dropped."""

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
from django.conf import settings
from django.db import connection

from llmhub.infra.db_executor import close_db_connections
from tests.hub_process import free_port, spawn_hub, stop_hub, wait_for, wait_until_serving

pytestmark = pytest.mark.django_db(transaction=True)
POOL_MAX = 4
WORKERS = 2
BOUND = WORKERS * (POOL_MAX + 1)
APP_NAME = "llmhub-pool-test"


def _connections(application_name: str | None = APP_NAME) -> int:
    """Connections to the test database: the workers' (they name themselves through PGAPPNAME), or with
    `application_name=None` everyone's but this count's own."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND (%(name)s::text IS NULL OR application_name = %(name)s::text)",
            {"name": application_name},
        ).fetchone()
    return int(row[0]) if row else 0


def _worker_connections() -> int:
    return _connections(APP_NAME)


class PeakWatcher:
    """Samples a connection count (default: the workers') every 50 ms while the load runs; `peak` is the most
    seen."""

    def __init__(self, count: Any = _worker_connections) -> None:
        self.peak = 0
        self._count = count
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._count())
            time.sleep(0.05)

    def __enter__(self) -> PeakWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def _postgresql_only(why: str = "hub processes cannot share the SQLite test database") -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"{why}; runs in the PostgreSQL lane")


@pytest.fixture
def pooled_fleet(upstream: Any) -> Iterator[list[str]]:
    _postgresql_only()
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
        # A stopped worker's server backends leave pg_stat_activity a moment after the process: wait for them,
        # so a later test's count of the lane's own connections does not see the fleet's last ones.
        wait_for(lambda: _connections(APP_NAME) == 0, 10)


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


def _lane_bound() -> int:
    """What the pytest process may hold (README, "Database connections"): its pool, shared by the test thread,
    the live hub's threads and the database threads, plus one pipeline for the live hub's event loop and one
    for a test's own loop (a closed loop's is closed when the next loop opens one)."""
    return int(settings.DB_POOL_MAX) + 2


def test_the_test_lane_borrows_from_a_bounded_pool():
    _postgresql_only("SQLite has no connection pool")
    database = settings.DATABASES["default"]
    assert settings.DB_POOL and database["CONN_MAX_AGE"] == 0  # no thread or request keeps a connection
    assert database["OPTIONS"]["pool"]["max_size"] == settings.DB_POOL_MAX
    assert settings.DB_POOL_MAX <= settings.DB_THREADS + 4


def test_a_burst_through_the_test_lanes_live_hub_stays_within_its_bound_and_leaves_the_database_droppable(
    settings, hub_url, alice
):
    _postgresql_only("the SQLite lane keeps one connection per thread")
    settings.LOGIN_FAILURES_PER_ADDRESS = 10_000  # every sign-in attempt comes from 127.0.0.1
    base = hub_url.removesuffix("/v1")
    assert _connections(None) <= _lane_bound()  # what earlier tests in this session left open
    jobs = 40  # 80 page requests and 80 API requests, 12 at a time
    with PeakWatcher(lambda: _connections(None)) as watcher, ThreadPoolExecutor(max_workers=12) as pool:
        logins = [pool.submit(_failed_login, base, n) for n in range(jobs)]
        calls = [pool.submit(_api_calls, base, alice.key) for n in range(jobs)]
        statuses = [status for job in [*logins, *calls] for status in job.result()]
    assert statuses.count(200) == 3 * jobs and statuses.count(401) == jobs, sorted(set(statuses))
    assert 0 < watcher.peak <= _lane_bound(), f"peak {watcher.peak} connections, bound {_lane_bound()}"
    # The session's teardown: the hub's connections (conftest's django_db_setup), then Django's pool, as
    # destroy_test_db closes it before DROP DATABASE. Nobody may be left, or the drop fails.
    close_db_connections()
    connection.close()
    connection.close_pool()  # type: ignore[attr-defined]  # PostgreSQL's wrapper (skipped elsewhere)
    deadline = time.monotonic() + 20  # a request's thread may still be handing its connection back (slow under load)
    while (left := _connections(None)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left == 0, f"{left} connection(s) to the test database after closing: it could not be dropped"
