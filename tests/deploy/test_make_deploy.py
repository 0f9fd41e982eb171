"""`make deploy`, the production steps the README gives, serves today's catalog: migrations alone would
leave the 25 seed models of 2024."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
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
