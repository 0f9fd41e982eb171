"""Shared fixtures: the people (alice owns team acme, bob is in it, charlie is not), a live fake
upstream, and the hub served on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from tests.fake_upstream import FakeUpstream
from tests.live_hub import LiveHub

pytest_plugins = ["tests.ledger_audit"]


@dataclass
class Person:
    user: Any
    key: str
    password: str = "correct-horse-battery"


def pytest_configure(config: Any) -> None:
    """Compile the translation catalogs (as `make test` does) so a bare `pytest` sees current .mo files."""
    from pathlib import Path

    from django.conf import settings

    from llmhub.message_catalogs import compile_all

    compile_all(Path(__file__).resolve().parents[1])
    # Test databases start from the seed catalog; tests that need genai-prices' catalog sync it themselves.
    settings.CATALOG_SYNC_ON_MIGRATE = False


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    """Each test starts in the default language: a page or socket served in Chinese activates that language on
    the thread that served it, and a later test on the same thread must not inherit it."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's test database, with every connection the hub opened closed before it is dropped: the
    last event loop's pipeline connection and the database threads' (PostgreSQL refuses to drop a database
    anyone is connected to, and pytest-django only warns)."""
    yield
    from llmhub.infra.db_executor import close_db_connections

    with django_db_blocker.unblock():
        close_db_connections()


@pytest.fixture(scope="session")
def fake_upstream() -> Iterator[FakeUpstream]:
    fake = FakeUpstream().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def live_hub(django_db_setup: Any, django_db_blocker: Any) -> Iterator[LiveHub]:
    from django.conf import settings

    import llmhub.asgi

    # Plain http on loopback, as `make run` serves it (HTTPS_ONLY=false): pages must not redirect to https.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0
    # The hub's hold sweeper runs on its own timer: only when a test asks (a test may build expired holds).
    settings.HOLD_SWEEP_INTERVAL_SECONDS = 3600
    settings.WHITENOISE_USE_FINDERS = True  # static files from the source folders, as _plain_static_files
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    llmhub.asgi.django_http.load_middleware(is_async=True)  # the middleware read the old values at import
    hub = LiveHub().start()
    yield hub
    hub.stop()
    from llmhub.infra.db_executor import close_db_connections

    with django_db_blocker.unblock():
        close_db_connections()


@pytest.fixture
def upstream(settings: Any, fake_upstream: FakeUpstream, db: Any) -> Iterator[FakeUpstream]:
    """Route every catalog model to the fake upstream as if it were AIsa."""
    from django.core.cache import caches

    from billing.keys import forget_cached_keys
    from llmhub import catalog
    from llmhub.catalog.seed import seed_catalog
    from llmhub.gateway import forget_health

    seed_catalog()  # transactional tests flush tables, the seeded catalog included
    settings.AISA_API_KEY = "fake-aisa-key"
    settings.AISA_BASE_URL = fake_upstream.url + "/v1"
    settings.UPSTREAM_READ_TIMEOUT = 1.5
    settings.UPSTREAM_RETRY_BACKOFF = 0.01
    fake_upstream.reset()
    catalog.invalidate()
    forget_health()  # a circuit opened by one test's failures must not route the next one
    forget_cached_keys()
    caches["responses"].clear()  # cached answers must not leak between tests (the cache outlives a flush)
    yield fake_upstream
    fake_upstream.reset()
    catalog.invalidate()


@pytest.fixture
def acme(db: Any) -> Any:
    from billing.ledger import grant_credits
    from billing.models import Team

    team = Team.objects.create(slug="acme", name="Acme")
    grant_credits(team=team, amount=Decimal("100"), memo="test credits")
    return team


@pytest.fixture
def globex(db: Any) -> Any:
    from billing.ledger import grant_credits
    from billing.models import Team

    team = Team.objects.create(slug="globex", name="Globex")
    grant_credits(team=team, amount=Decimal("50"), memo="test credits")
    return team


def _person(username: str, team: Any, role: str) -> Person:
    from django.contrib.auth import get_user_model

    from billing.keys import issue_key
    from billing.models import Membership

    user = get_user_model().objects.create_user(username, f"{username}@example.com", "correct-horse-battery")
    Membership.objects.create(user=user, team=team, role=role)
    _, key = issue_key(user=user, team=team, name=f"{username}'s key")
    return Person(user=user, key=key)


@pytest.fixture
def alice(acme: Any) -> Person:
    return _person("alice", acme, "admin")


@pytest.fixture
def bob(acme: Any) -> Person:
    return _person("bob", acme, "member")


@pytest.fixture
def charlie(globex: Any) -> Person:
    return _person("charlie", globex, "member")


@pytest.fixture
def hub_url(transactional_db: Any, live_hub: LiveHub, upstream: FakeUpstream) -> str:
    """The live hub's /v1 base URL, with the fake upstream behind it."""
    return live_hub.url + "/v1"


@pytest.fixture
def openai_client(hub_url: str, alice: Person) -> Any:
    from openai import OpenAI

    return OpenAI(api_key=alice.key, base_url=hub_url, max_retries=0, timeout=20)


@pytest.fixture(autouse=True)
def _plain_static_files(settings: Any) -> None:
    """Serve static files from the source folders: tests never depend on a stale collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Fixtures through which a test reaches the database (pytest-django's, and the hub served on the test database).
# Not django_db_blocker: every test has it, through the autouse ledger audit.
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "django_db_setup", "live_server", "live_hub", "hub_url"})


def reaches_services(item: Any) -> bool:
    """Whether a test can behave differently on PostgreSQL and Redis: it uses the database (pytest-django
    refuses the database to every other test), or is marked `services` (Redis, or a worker process)."""
    if item.get_closest_marker("django_db") or item.get_closest_marker("services"):
        return True
    if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    from django.test import TransactionTestCase

    cls = getattr(item, "cls", None)
    return cls is not None and issubclass(cls, TransactionTestCase)


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Browser tests run last: between sync calls Playwright marks the main thread's event loop as
    running, so an asyncio test (WebsocketCommunicator) after the first browser test would fail.

    With TEST_LANE=services (`make test-services`, on PostgreSQL and Redis) only the tests that reach the
    database or a service run: the rest do the same work on either lane, and `make test` runs them."""
    if os.environ.get("TEST_LANE") == "services":
        kept: list[Any] = []
        left: list[Any] = []
        for item in items:
            (kept if reaches_services(item) else left).append(item)
        if left:
            config.hook.pytest_deselected(items=left)
            items[:] = kept
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser).

    Skips when Chromium is missing, unless REQUIRE_BROWSER=1 (CI), where that is a failure.
    """
    import os

    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and REQUIRE_BROWSER=1: browser tests may not be skipped")
        pytest.skip(f"{CHROMIUM} is not installed")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page_for(browser: Any, live_hub: LiveHub, upstream: FakeUpstream, transactional_db: Any) -> Iterator[Any]:
    """page_for(person) -> a Playwright page logged in as that person (desktop size by default)."""
    contexts = []

    def open_page(
        person: Person, *, width: int = 1280, height: int = 800, locale: str = "en-US", color_scheme: str = "light"
    ) -> Any:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            base_url=live_hub.url,
            locale=locale,  # also the Accept-Language header the hub picks the page language from
            color_scheme=color_scheme,
        )
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.locator("#id_username").fill(person.user.username)  # by id: the labels follow the language
        page.locator("#id_password").fill(person.password)
        page.locator("#id_password").press("Enter")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    yield open_page
    for context in contexts:
        context.close()


# --- The native formats: Claude and Gemini models served by the direct providers (tests/api, tests/providers).


def serve_direct(settings: Any, fake: FakeUpstream, *, keep_aisa: bool = False) -> None:
    """Point the anthropic and gemini providers at the fake's native routes; by default AIsa stops
    serving Claude and Gemini, so those requests take the direct path."""
    from llmhub import catalog
    from llmhub.models import Deployment
    from tests.provider_env import configure_provider

    configure_provider(settings, "anthropic", key="fake-anthropic-key", base_url=fake.url + "/anthropic/v1")
    configure_provider(settings, "gemini", key="fake-gemini-key", base_url=fake.url + "/gemini/v1beta")
    if not keep_aisa:
        Deployment.objects.filter(provider="aisa", model__family__in=["Claude", "Gemini"]).update(enabled=False)
    catalog.invalidate()


@pytest.fixture
def direct(settings: Any, upstream: FakeUpstream) -> Iterator[FakeUpstream]:
    serve_direct(settings, upstream)
    yield upstream
    from llmhub import catalog

    catalog.invalidate()


@pytest.fixture
def two_deployments(settings: Any, upstream: FakeUpstream) -> FakeUpstream:
    """gpt-4.1 served by aisa (priority 10) and by openai as `gpt-4.1-backup` (priority 20), both the fake; a
    circuit opens after 4 attempts at half failed and stays open 1 s."""
    from llmhub import catalog
    from llmhub.models import Deployment
    from tests.provider_env import configure_provider

    configure_provider(settings, "openai", key="fake-openai-key", base_url=upstream.url + "/v1")
    settings.BREAKER_MIN_REQUESTS = 4
    settings.BREAKER_ERROR_RATE = 0.5
    settings.BREAKER_COOLDOWN_SECONDS = 1.0
    Deployment.objects.filter(model__name="gpt-4.1", provider="openai").update(upstream_model="gpt-4.1-backup")
    catalog.invalidate()
    return upstream


@pytest.fixture
def hub_root(hub_url: str) -> str:
    """The live hub's root URL (the Anthropic and Google SDKs add /v1 and /v1beta themselves)."""
    return hub_url.removesuffix("/v1")


@pytest.fixture(params=["in-process", "redis"])
def limiter(request: Any, settings: Any) -> Iterator[str]:
    """Run a rate-limit test with buckets in this process, and again in Redis when REDIS_URL is set."""
    from billing import rate_limits

    if request.param == "redis":
        if not os.environ.get("REDIS_URL"):
            pytest.skip("REDIS_URL is not set")
        settings.REDIS_URL = os.environ["REDIS_URL"]
    else:
        settings.REDIS_URL = ""
    rate_limits.reset()
    yield request.param
    rate_limits.reset()
