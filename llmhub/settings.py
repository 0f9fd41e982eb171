"""Settings for LLM Hub, read from the environment (and a .env file when present).

Every variable is listed in README.md's configuration table.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import django_stubs_ext
import environ

BASE_DIR = Path(__file__).resolve().parent.parent

# Lets Django's generic classes be subscripted at run time (`admin.ModelAdmin[Team]`), as mypy wants them.
django_stubs_ext.monkeypatch()

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _local_secret_key() -> str:
    """A per-checkout secret kept beside the SQLite file, so `make run` needs no setup."""
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# HTTPS_ONLY turns on secure cookies, HSTS and the HTTPS redirect; `make run` sets it false for loopback.
HTTPS_ONLY = env.bool("HTTPS_ONLY", default=not DEBUG)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "llmhub",
    "llmhub.api",
    "billing",
    "chat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "llmhub.nul_guard.RefuseNulCharacters",  # a NUL in the path, query or form: 400, not a 500 from the database
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before common: the page language comes from the language cookie, then Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "llmhub.language_choice.remembered_language",  # after sign-in: the person's saved language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "billing.audit_log.remember_origin",  # audit entries a page records carry its request id and address
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "llmhub.content_security.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "llmhub.urls"
ASGI_APPLICATION = "llmhub.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "llmhub.context_processors.hub",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers queue instead of
    # failing with "database is locked"; WAL lets readers run beside a writer.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        # The request path checkpoints the WAL off its commits (llmhub/infra/sqlite_wal.py); the size limit
        # trims the log file back after a busy spell.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA journal_size_limit=67108864;",
    }
    # A file, not :memory:, so the live hub's threads in tests share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}
# Persistent connections on SQLite: the request path's database threads (llmhub/infra/db_executor.py) reuse
# theirs. PostgreSQL borrows from a bounded pool instead (DB_POOL below), where Django requires 0.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
        "responses": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "resp",
        },
    }
    # redis-py's default 5 s socket timeout races channels-redis's 5 s blocking pop: an idle websocket's
    # receive then times out and the consumer dies. Reads wait longer than any blocking pop; idle pooled
    # connections are health-checked before reuse.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "llmhub.infra.channel_layer.RedisChannelLayer",  # channels-redis, cancel-safe receive
            # capacity: a socket's channel holds 1,000 events before channels-redis drops more (its default of
            # 100 drops a fast stream's deltas for a slow tab, which then asks for a snapshot: `catch_up`).
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30, "health_check_interval": 15}],
                "capacity": 1000,
            },
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "responses": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "llmhub_response_cache",
            # Django's default of 300 entries would evict answers long before RESPONSE_CACHE_TTL. Past
            # MAX_ENTRIES a write drops the expired entries, then 1/CULL_FREQUENCY of the rest (by key order).
            "OPTIONS": {
                "MAX_ENTRIES": env.int("RESPONSE_CACHE_MAX_ENTRIES", default=10_000),
                "CULL_FREQUENCY": env.int("RESPONSE_CACHE_CULL_FREQUENCY", default=3),
            },
        },
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (billing/login_throttle.py): this many wrong passwords for one account, or from one
# address, within LOGIN_LOCKOUT_SECONDS refuse sign-in (the right password too) until the window ends.
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=5)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=30)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=900)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# English unless the browser asks for Chinese (Accept-Language) or the person picked it (the language
# cookie set by /i18n/setlang/). Catalogs: <app>/locale and locale/, compiled by `manage.py compile_translations`.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Named date formats (|date:"DATE_FORMAT") per language: llmhub/formats/en; Chinese uses Django's zh_Hans.
FORMAT_MODULE_PATH = ["llmhub.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env.str("HUB_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="llmhub@localhost")
# The hub's public address, for links in emails (alerts, credit requests): SITE_URL (HUB_URL, its older name,
# still read); else the first of ALLOWED_HOSTS on the scheme HTTPS_ONLY implies, on that scheme's own port.
# `make run` sets it from its HOST and PORT. Never a guessed port.
SITE_URL = (
    env.str("SITE_URL", default="")
    or env.str("HUB_URL", default="")
    or f"{'https' if HTTPS_ONLY else 'http'}://{next((h for h in ALLOWED_HOSTS if h not in ('*', '')), 'localhost').lstrip('.')}"
).rstrip("/")

# Chat image uploads per person and hour (chat/attachments.py): at most this many, and this many megabytes.
CHAT_UPLOADS_PER_HOUR = env.int("CHAT_UPLOADS_PER_HOUR", default=40)
CHAT_UPLOAD_MB_PER_HOUR = env.int("CHAT_UPLOAD_MB_PER_HOUR", default=60)
# The same for a team together (its members' uploads), and the megabytes of images kept in all (sent or not)
# per person and per team.
CHAT_TEAM_UPLOADS_PER_HOUR = env.int("CHAT_TEAM_UPLOADS_PER_HOUR", default=200)
CHAT_TEAM_UPLOAD_MB_PER_HOUR = env.int("CHAT_TEAM_UPLOAD_MB_PER_HOUR", default=300)
CHAT_STORED_MB_PER_PERSON = env.int("CHAT_STORED_MB_PER_PERSON", default=500)
CHAT_STORED_MB_PER_TEAM = env.int("CHAT_STORED_MB_PER_TEAM", default=5000)
# Documents attached in the chat (chat/document_text.py): the largest file, the pages (or sheets) read, the
# megabytes a DOCX or XLSX may unpack to (zip bombs), the rows of a spreadsheet and the characters of text kept.
DOCUMENT_MAX_MB = env.int("DOCUMENT_MAX_MB", default=20)
DOCUMENT_MAX_PAGES = env.int("DOCUMENT_MAX_PAGES", default=500)
DOCUMENT_MAX_UNZIPPED_MB = env.int("DOCUMENT_MAX_UNZIPPED_MB", default=100)
DOCUMENT_MAX_ROWS = env.int("DOCUMENT_MAX_ROWS", default=50_000)
DOCUMENT_MAX_CHARS = env.int("DOCUMENT_MAX_CHARS", default=2_000_000)
# A conversation's documents are sent whole while the prompt stays within this share of the model's context
# window; past it they are searched (chat/document_search.py): passages embedded with this model, the best
# DOCUMENT_PASSAGES sent.
DOCUMENT_CONTEXT_SHARE = env.float("DOCUMENT_CONTEXT_SHARE", default=0.5)
DOCUMENT_EMBEDDING_MODEL = env.str("DOCUMENT_EMBEDDING_MODEL", default="text-embedding-3-small")
DOCUMENT_PASSAGES = env.int("DOCUMENT_PASSAGES", default=6)
# Request bodies: vision requests carry data: URLs, so allow large JSON but refuse anything past this.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BYTES", default=20 * 1024 * 1024)

# Security headers; the HTTPS ones only when the hub is served over HTTPS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The pages' scripts and styles are all static files (tests/test_content_security.py keeps it so): no
# nonce or hash is needed. Images may come from https URLs (pictures attached by URL) and data:/blob:.
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'",
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_SSL_REDIRECT = HTTPS_ONLY
SECURE_HSTS_SECONDS = 31536000 if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_HSTS_PRELOAD = HTTPS_ONLY
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
SECURE_REDIRECT_EXEMPT = [r"^v1/", r"^v1beta/", r"^healthz$", r"^metrics$"]

# Upstream providers: each kind's key (and base URL) variable, e.g. AISA_API_KEY, ANTHROPIC_BASE_URL, is a
# setting of the same name (llmhub/providers/<kind>/; the README's table lists them). A key enables its
# provider; Ollama and vLLM are enabled by their base URL. AIsa serves every catalog model by default.
from llmhub.providers.registry import env_settings  # noqa: E402 - the kinds need only this env reader

globals().update(env_settings(env))
# The offline demo upstream is mounted in this same server; it serves every model when no key is set.
# The first `migrate` of a database brings the catalog up to the installed genai-prices (llmhub/apps.py).
CATALOG_SYNC_ON_MIGRATE = env.bool("CATALOG_SYNC_ON_MIGRATE", default=True)
DEMO_UPSTREAM_URL = env.str("DEMO_UPSTREAM_URL", default="http://127.0.0.1:8000/demo-upstream/v1")
# Fernet key for provider secrets stored in the database; derived from SECRET_KEY when unset.
SECRETS_ENCRYPTION_KEY = env.str("SECRETS_ENCRYPTION_KEY", default="")

UPSTREAM_CONNECT_TIMEOUT = env.float("UPSTREAM_CONNECT_TIMEOUT", default=5.0)
UPSTREAM_READ_TIMEOUT = env.float("UPSTREAM_READ_TIMEOUT", default=60.0)
UPSTREAM_TOTAL_TIMEOUT = env.float("UPSTREAM_TOTAL_TIMEOUT", default=300.0)
# The longest line an upstream stream may send (bytes); longer is that upstream's failure (memory stays bounded).
UPSTREAM_MAX_LINE_BYTES = env.int("UPSTREAM_MAX_LINE_BYTES", default=4 * 1024 * 1024)
# The largest JSON body an upstream may answer with (bytes); larger is that upstream's failure (a 502), cut
# as it arrives, so a lying upstream cannot take a worker's memory.
UPSTREAM_MAX_BODY_BYTES = env.int("UPSTREAM_MAX_BODY_BYTES", default=32 * 1024 * 1024)
UPSTREAM_MAX_ATTEMPTS = env.int("UPSTREAM_MAX_ATTEMPTS", default=2)
UPSTREAM_RETRY_BACKOFF = env.float("UPSTREAM_RETRY_BACKOFF", default=0.25)
KEY_CACHE_SECONDS = env.float("KEY_CACHE_SECONDS", default=5.0)
# Threads (each with its own database connection) for the request path's database work.
# SQLite allows one writer at a time: more threads would only queue on its lock (and sleep in its busy handler).
DB_THREADS = env.int("DB_THREADS", default=1 if DATABASES["default"]["ENGINE"].endswith("sqlite3") else 4)
# PostgreSQL: every thread of a worker (page requests, the database threads, websocket consumers) borrows its
# connection from one bounded pool (Django's, psycopg_pool) and gives it back when its request or job ends, so a
# worker never holds more than DB_POOL_MAX connections, plus the one of its pipeline (DB_PIPELINE). README,
# "Database connections": the fleet's total is workers × (DB_POOL_MAX + 1).
DB_POOL = env.bool("DB_POOL", default=True) and DATABASES["default"]["ENGINE"].endswith("postgresql")
DB_POOL_MAX = env.int("DB_POOL_MAX", default=DB_THREADS + 4)
if DB_POOL:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # a pooled connection goes back to the pool, never stays on a thread
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN", default=1),
        "max_size": DB_POOL_MAX,
        # A thread that finds the pool empty waits this long for a connection before its work fails.
        "timeout": env.float("DB_POOL_TIMEOUT", default=30.0),
        "max_idle": 60.0,  # connections above min_size close after a quiet minute
    }
# PostgreSQL: send each group of holds and settlements as single statements in one pipeline (db_executor).
DB_PIPELINE = env.bool("DB_PIPELINE", default=True)
# ... with its statements prepared (planned once per connection); off behind a pooler that cannot keep
# prepared statements across transactions (PgBouncer in transaction mode before 1.21).
DB_PIPELINE_PREPARED = env.bool("DB_PIPELINE_PREPARED", default=True)
# Seconds an identical deterministic request is answered from the response cache (0 turns the cache off).
RESPONSE_CACHE_TTL = env.int("RESPONSE_CACHE_TTL", default=3600)

# Billing enforcement (docs/billing-enforcement.md). A credit hold is also the request's write-ahead metering
# record; a live request renews it (stream checkpoints, and its worker's heartbeat every sweep interval), so it
# expires only when its process died. Every worker sweeps on its own timer: expired holds settle as
# `interrupted` usage records (or `manage.py release_holds` from cron). The books are whole within about
# HOLD_TTL_SECONDS + HOLD_SWEEP_INTERVAL_SECONDS of a crash.
HOLD_TTL_SECONDS = env.int("HOLD_TTL_SECONDS", default=60)
HOLD_SWEEP_INTERVAL_SECONDS = env.float("HOLD_SWEEP_INTERVAL_SECONDS", default=10.0)
# No request lives this long (each upstream attempt is cut at UPSTREAM_TOTAL_TIMEOUT): a hold this old leaked (its
# request never settled). The heartbeat stops renewing it, so the sweep settles it; audit_ledger names it.
HOLD_MAX_AGE_SECONDS = env.int("HOLD_MAX_AGE_SECONDS", default=max(1800, int(4 * UPSTREAM_TOTAL_TIMEOUT)))
# On SIGTERM (uvicorn): how long in-flight requests may run on before they are cut and settled as interrupted.
SHUTDOWN_GRACE_SECONDS = env.float("SHUTDOWN_GRACE_SECONDS", default=20.0)
# A request whose worst-case hold does not fit the team's credits runs with a smaller output cap, down to this.
OUTPUT_CAP_FLOOR = env.int("OUTPUT_CAP_FLOOR", default=256)
ALERT_WEBHOOK_TIMEOUT = env.float("ALERT_WEBHOOK_TIMEOUT", default=5.0)
# Alert webhooks on loopback or private addresses are refused (SSRF) unless this is on: development, or a
# receiver inside the hub's own network that the operator trusts.
ALERT_WEBHOOK_ALLOW_PRIVATE = env.bool("ALERT_WEBHOOK_ALLOW_PRIVATE", default=DEBUG)

DEMO_ADMIN_USERNAME = "admin"

# Operating the fleet (docs/operations.md): /metrics behind a bearer token when set; the circuit breaker
# per deployment opens at BREAKER_ERROR_RATE over BREAKER_WINDOW_SECONDS (with at least
# BREAKER_MIN_REQUESTS attempts), stays open BREAKER_COOLDOWN_SECONDS, then lets one probe through.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=True)
BREAKER_WINDOW_SECONDS = env.float("BREAKER_WINDOW_SECONDS", default=60.0)
BREAKER_MIN_REQUESTS = env.int("BREAKER_MIN_REQUESTS", default=5)
BREAKER_ERROR_RATE = env.float("BREAKER_ERROR_RATE", default=0.5)
BREAKER_COOLDOWN_SECONDS = env.float("BREAKER_COOLDOWN_SECONDS", default=30.0)

# LOG_FORMAT=json: one JSON object per line, and one line per settled request (llmhub.ops.request_log).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "llmhub.ops.json_logs.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", **({"formatter": "json"} if LOG_FORMAT == "json" else {})}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "llmhub": {"level": env.str("LOG_LEVEL", default="INFO"), "propagate": True},
        # The per-request line only in JSON: plain console logs stay as quiet as before.
        "llmhub.requests": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING", "propagate": True},
    },
}
