# LLM Hub: `make run` serves the hub; `make test` runs every test. Needs only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Client libraries whose pins conflict with the dev tools' (instructor: jiter<0.15) get a venv of their own.
CLIENTS_VENV := .venv-clients
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0

# `make run PORT=8010 HOST=0.0.0.0` serves elsewhere when port 8000 is taken.
.PHONY: run serve deploy install install-runtime translations translations-runtime test test-services test-browser lint bench clean

# Two stamps: serving needs only the runtime requirements; tests and lint add the dev tools.
$(VENV)/.runtime-installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed: $(VENV)/.runtime-installed requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Contract tests run a script with this venv's python against the live hub (tests/providers/test_demo_upstream.py).
$(CLIENTS_VENV)/.installed: requirements-clients.txt
	test -x $(CLIENTS_VENV)/bin/python || $(PYTHON) -m venv $(CLIENTS_VENV)
	$(CLIENTS_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-clients.txt
	touch $@

# The coding agents tests/agents/ drive (Claude Code, Codex CLI, Gemini CLI, opencode), pinned in
# clients/agents/package-lock.json, installed with the machine's npm into .agents/ (ignored). Without npm the
# agent tests skip; `.ci/run` sets REQUIRE_AGENTS=1 so a missing install fails there. (`npm install` rather than
# `npm ci`: npm 11 refuses opencode-ai's platform packages in `ci`; the lock still fixes every version.)
AGENTS_DIR := .agents
$(AGENTS_DIR)/.installed: clients/agents/package.json clients/agents/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		mkdir -p $(AGENTS_DIR) && cp clients/agents/package.json clients/agents/package-lock.json $(AGENTS_DIR)/ && \
		cd $(AGENTS_DIR) && npm install --no-audit --no-fund --loglevel=error && touch .installed; \
	else echo "npm not found: the coding-agent tests (tests/agents/) will skip"; fi

# A real OpenID Connect provider (panva's oidc-provider, pinned in clients/oidc/package-lock.json) that the single
# sign-on tests start on loopback, installed into .oidc/ (ignored). Without npm those tests skip; `.ci/run` sets
# REQUIRE_OIDC=1 so a missing install fails there.
OIDC_DIR := .oidc
$(OIDC_DIR)/.installed: clients/oidc/package.json clients/oidc/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		mkdir -p $(OIDC_DIR) && cp clients/oidc/package.json clients/oidc/package-lock.json $(OIDC_DIR)/ && \
		cd $(OIDC_DIR) && npm ci --no-audit --no-fund --loglevel=error && touch .installed; \
	else echo "npm not found: the single sign-on tests (tests/billing/test_oidc*.py) will skip"; fi

install-runtime: $(VENV)/.runtime-installed translations-runtime

# The .mo catalogs are build output: compiled (pure Python, Babel) whenever a .po is newer.
install: $(VENV)/.installed $(CLIENTS_VENV)/.installed $(AGENTS_DIR)/.installed $(OIDC_DIR)/.installed translations

translations: $(VENV)/.installed
	$(BIN)/python manage.py compile_translations

translations-runtime: $(VENV)/.runtime-installed
	$(BIN)/python manage.py compile_translations

# Set up (venv, migrations, catalog, static files, first-run admin) and serve with daphne.
run: install-runtime
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py sync_catalog
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py bootstrap_demo --url http://$(HOST):$(PORT)
	HTTPS_ONLY=$${HTTPS_ONLY:-false} DEMO_UPSTREAM_URL=$${DEMO_UPSTREAM_URL:-http://$(HOST):$(PORT)/demo-upstream/v1} \
		SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(BIN)/daphne -b $(HOST) -p $(PORT) llmhub.asgi:application

# A deploy's one-off steps, on every release: migrations, the catalog brought up to the installed
# genai-prices (new models, repricings; admin edits win; a later genai-prices release arrives with
# `pip install -U genai-prices` or a bumped pin, then `make deploy` again), static files, translations.
deploy: install-runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py sync_catalog
	$(BIN)/python manage.py collectstatic --noinput -v0

# The production command: uvicorn (uvloop + httptools) measured fastest in bench/; set SECRET_KEY,
# ALLOWED_HOSTS, DATABASE_URL and REDIS_URL, and run `make deploy` first.
WORKERS ?= 2
serve: install-runtime
	$(BIN)/uvicorn --host $(HOST) --port $(PORT) --workers $(WORKERS) --loop uvloop --http httptools \
		--no-access-log llmhub.asgi:application

# Every test, on the embedded default (SQLite, in-memory channel layer and caches).
test: install
	$(BIN)/pytest

# The suite again against PostgreSQL and Redis on loopback: the tests whose behaviour can differ with the
# database or the cache (those that use the database, and those marked `services`: Redis, worker processes;
# TEST_LANE=services deselects the rest, see tests/conftest.py). Left to `make test`: the browser tests (the
# pages' behaviour in Chromium), the coding agents' CLIs (tests/agents/) and the `make bench` smoke run, and
# every test that touches neither, which would test the same thing twice.
test-services: install
	TEST_LANE=services DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(BIN)/pytest -m "not browser" \
		--ignore=tests/agents --ignore=tests/deploy/test_bench_entrypoints.py

# ruff (lint, format) and mypy (settings in pyproject.toml: strict on the app, looser on tests).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) $(CLIENTS_VENV) $(AGENTS_DIR) $(OIDC_DIR) staticfiles .test-db.sqlite3*
	find . -path ./.venv -prune -o -name '*.mo' -path '*/locale/*' -print -exec rm {} +
