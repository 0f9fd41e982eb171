"""Production settings pass `check --deploy`; admin commands do what the README says."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from billing.keys import authenticate_key
from billing.models import CreditLedgerEntry, Membership, Team
from llmhub import catalog
from llmhub.models import Provider
from tests.provider_env import clear_provider_env

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "-production-secret-" + "y" * 30,
        "ALLOWED_HOSTS": "hub.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    env.pop("HTTPS_ONLY", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser fixture for Playwright, never in deployment
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_create_team_is_idempotent_and_grants_once(db, capsys):
    call_command("create_team", "initech", "--credits", "12.50")
    call_command("create_team", "initech", "--credits", "12.50")
    team = Team.objects.get(slug="initech")
    assert team.balance == Decimal("12.50")
    assert CreditLedgerEntry.objects.filter(team=team, kind="grant").count() == 1


def test_grant_credits_appends_to_the_ledger(db):
    call_command("create_team", "initech")
    call_command("grant_credits", "initech", "5.25", "--memo", "top-up")
    entry = CreditLedgerEntry.objects.get(team__slug="initech")
    assert (entry.amount, entry.balance_after, entry.memo) == (Decimal("5.25"), Decimal("5.25"), "top-up")


def test_grant_credits_refuses_nonsense(db):
    from django.core.management.base import CommandError

    call_command("create_team", "initech")
    with pytest.raises(CommandError):
        call_command("grant_credits", "initech", "-3")
    with pytest.raises(CommandError):
        call_command("grant_credits", "nosuchteam", "3")
    with pytest.raises(CommandError):
        call_command("grant_credits", "initech", "lots")


def test_create_key_prints_the_key_alone_on_the_last_line(db, capsys):
    call_command("create_team", "initech")
    call_command("create_key", "dana", "--team", "initech", "--name", "ci")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("sk-hub-") and " " not in key
    identity = authenticate_key(key)
    assert Membership.objects.filter(user_id=identity.user_id, team__slug="initech").exists()


def test_provider_secrets_are_encrypted_at_rest(db):
    provider = Provider(name="openrouter", wire_format="openai", base_url="https://openrouter.example/api/v1")
    provider.set_api_key("sk-or-very-secret")
    provider.save()
    stored = Provider.objects.values_list("api_key_encrypted", flat=True).get()
    assert "very-secret" not in stored
    assert Provider.objects.get().api_key() == "sk-or-very-secret"
    assert "very-secret" not in repr(catalog.build_snapshot())


def test_without_keys_the_demo_upstream_serves_every_model(db, settings):
    from llmhub.catalog.seed import seed_catalog

    seed_catalog()
    settings.AISA_API_KEY = ""
    clear_provider_env(settings)
    snap = catalog.build_snapshot()
    assert snap.demo
    assert {t.provider.name for spec in snap.models.values() for t in spec.targets} == {"demo"}
    assert "gpt-4.1" in snap.models and "llama3.2" in snap.models


def test_with_an_aisa_key_aisa_serves_every_seed_model(db, settings):
    from llmhub.catalog.seed import SEED, seed_catalog

    seed_catalog()
    settings.AISA_API_KEY = "k"
    snap = catalog.build_snapshot()
    assert not snap.demo
    for name, *_ in SEED:
        assert snap.models[name].targets[0].provider.name == "aisa"
    assert "llama3.2" not in snap.models  # a local model needs OLLAMA_BASE_URL


def test_admin_provider_row_overrides_env(db, settings):
    from llmhub.catalog.seed import seed_catalog

    seed_catalog()
    settings.AISA_API_KEY = "from-env"
    row = Provider(name="aisa", wire_format="openai", base_url="https://aisa.internal/v1")
    row.set_api_key("from-admin")
    row.save()
    target = catalog.build_snapshot().models["gpt-4o"].targets[0]
    assert (target.provider.base_url, target.provider.api_key) == ("https://aisa.internal/v1", "from-admin")


def _response_cache_limits(**env_vars: str) -> tuple[str, str]:
    """(MAX_ENTRIES, CULL_FREQUENCY) the `responses` cache is built with, in a fresh process without Redis."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "llmhub.settings"}
    for name in ("REDIS_URL", "RESPONSE_CACHE_MAX_ENTRIES", "RESPONSE_CACHE_CULL_FREQUENCY"):
        env.pop(name, None)  # the database cache is the one without Redis
    env.update(env_vars)
    script = (
        "import django; django.setup(); from django.core.cache import caches; "
        "cache = caches['responses']; print(type(cache).__name__, cache._max_entries, cache._cull_frequency)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    backend, max_entries, cull_frequency = result.stdout.split()
    assert backend == "DatabaseCache"
    return max_entries, cull_frequency


def test_response_cache_without_redis_keeps_ten_thousand_answers_by_default():
    assert _response_cache_limits() == ("10000", "3")


def test_response_cache_limits_come_from_the_environment():
    limits = _response_cache_limits(RESPONSE_CACHE_MAX_ENTRIES="25000", RESPONSE_CACHE_CULL_FREQUENCY="5")
    assert limits == ("25000", "5")
