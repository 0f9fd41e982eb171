"""`make deploy`, the production steps the README gives, serves today's catalog: migrations alone would
leave the 25 seed models of 2024."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_deploy_syncs_the_catalog_from_genai_prices(tmp_path):
    database = tmp_path / "deploy.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(["make", "deploy"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(database) as db:
        names = {row[0] for row in db.execute("SELECT name FROM llmhub_catalogmodel")}
        syncs = db.execute("SELECT COUNT(*) FROM llmhub_catalogsync").fetchone()[0]
    assert len(names) > 100  # genai-prices' catalog, not the seed's 25
    assert {"claude-sonnet-5", "gpt-5"} <= names
    assert syncs >= 1


def test_migrate_alone_starts_a_database_on_todays_catalog(tmp_path):
    database = tmp_path / "migrate.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    env.pop("CATALOG_SYNC_ON_MIGRATE", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    result = subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Catalog synced from genai-prices" in result.stdout
    with sqlite3.connect(database) as db:
        priced = {
            row[0]
            for row in db.execute(
                "SELECT DISTINCT m.name FROM llmhub_catalogmodel m JOIN llmhub_priceversion p ON p.model_id = m.id"
                " WHERE m.enabled"
            )
        }
    assert len(priced) >= 70
    assert "claude-sonnet-5" in priced
    again = subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert again.returncode == 0 and "Catalog synced" not in again.stdout  # once; later releases: make deploy
