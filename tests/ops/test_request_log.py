"""LOG_FORMAT=json: one parseable JSON line per settled request, with who, what, how much and how long."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys

import pytest

from billing.models import UsageRecord

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def request_lines():
    from llmhub.ops.json_logs import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("llmhub.requests")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_a_request_logs_one_json_line(request_lines, openai_client, alice):
    openai_client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    record = UsageRecord.objects.get()
    lines = [json.loads(line) for line in request_lines.getvalue().splitlines()]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == record.request_id
    assert (line["team"], line["user"]) == (record.team_id, alice.user.pk)
    assert (line["model"], line["status"]) == ("gpt-4o", "ok")
    assert (line["prompt_tokens"], line["completion_tokens"]) == (record.prompt_tokens, record.completion_tokens)
    assert line["cost"] == str(record.cost)
    assert line["latency_ms"] == record.latency_ms
    assert line["client_tool"] == record.client_tool == "openai-python"


def test_log_format_json_makes_every_console_line_json():
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('llmhub.requests').info('request settled', extra={'fields': {'request_id': 'r1'}})"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "llmhub.settings", "LOG_FORMAT": "json"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert (line["request_id"], line["level"], line["message"]) == ("r1", "info", "request settled")


def test_plain_logs_stay_quiet_about_each_request():
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('llmhub.requests').info('request settled', extra={'fields': {'request_id': 'r1'}})"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "llmhub.settings", "LOG_FORMAT": "text"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert "request settled" not in done.stderr
