"""The seed's command line, run as a subprocess against the live hub (fake upstream behind it)."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest

from billing.models import Team, UsageRecord
from tests.client.conftest import PNG
from tests.fake_upstream import Fail, Reply

pytestmark = pytest.mark.django_db(transaction=True)


def _one_line_error(result):
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_chat_message(run_cli, upstream):
    upstream.script("gpt-4.1", Reply(text="Hello, world to you!", prompt_tokens=10, completion_tokens=5))
    result = run_cli("chat", "--model", "gpt-4.1", "--message", "Hello, world!")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello, world to you!\n"
    assert "cost $0.00006" in result.stderr  # 10 × $2/M + 5 × $8/M
    assert upstream.requests_for("/chat/completions")[-1].body["messages"] == [
        {"role": "user", "content": "Hello, world!"}
    ]
    assert UsageRecord.objects.get().cost == Decimal("0.00006")


def test_chat_system_temperature_and_max_tokens_are_sent(run_cli, upstream):
    result = run_cli(
        "chat", "--model", "claude-3-sonnet", "--system", "You are a poet", "--message", "Write about the moon",
        "--temperature", "0.7", "--max-tokens", "500",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from fake claude-3-sonnet.\n"
    sent = upstream.requests_for("/chat/completions")[-1].body
    assert sent["messages"] == [
        {"role": "system", "content": "You are a poet"},
        {"role": "user", "content": "Write about the moon"},
    ]
    assert (sent["temperature"], sent["max_tokens"]) == (0.7, 500)


def test_chat_messages_json_multi_turn(run_cli, upstream):
    turns = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "How are you?"},
    ]
    result = run_cli("chat", "--model", "qwen-max", "--messages", json.dumps(turns))
    assert result.returncode == 0, result.stderr
    assert upstream.requests_for("/chat/completions")[-1].body["messages"] == turns


@pytest.mark.parametrize("bad", ["[{oops", '{"role": "user"}', "[1, 2]"])
def test_chat_messages_not_a_json_array_is_exit_2(run_cli, upstream, bad):
    result = run_cli("chat", "--model", "qwen-max", "--messages", bad)
    assert result.returncode == 2
    assert "--messages" in _one_line_error(result)
    assert upstream.received == []


def test_chat_stream_prints_pieces_and_is_metered(run_cli, upstream):
    upstream.script("gpt-4o", Reply(text="Once upon a time", chunks=["Once", " upon", " a", " time"]))
    result = run_cli("chat", "--model", "gpt-4o", "--message", "Tell me a story", "--stream")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Once upon a time\n"
    record = UsageRecord.objects.get()
    assert record.stream and record.status == "ok" and record.cost > 0


def test_vision_with_an_image_url(run_cli, upstream):
    result = run_cli(
        "vision", "--model", "gpt-4o", "--image", "https://example.com/image.jpg", "--prompt", "Describe this image"
    )
    assert result.returncode == 0, result.stderr
    content = upstream.requests_for("/chat/completions")[-1].body["messages"][0]["content"]
    assert content == [
        {"type": "text", "text": "Describe this image"},
        {"type": "image_url", "image_url": {"url": "https://example.com/image.jpg"}},
    ]


def test_vision_with_a_local_file_sends_a_data_url(run_cli, upstream, png_file):
    result = run_cli("vision", "--model", "gpt-4o", "--image", str(png_file), "--prompt", "What is this?")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from fake gpt-4o.\n"
    url = upstream.requests_for("/chat/completions")[-1].body["messages"][0]["content"][1]["image_url"]["url"]
    assert url == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert UsageRecord.objects.get().images == 1


@pytest.mark.parametrize("name,content", [("notes.txt", b"not an image"), ("missing.png", None)])
def test_vision_with_a_bad_file_is_exit_2(run_cli, upstream, tmp_path, name, content):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = run_cli("vision", "--model", "gpt-4o", "--image", str(path), "--prompt", "What is this?")
    assert result.returncode == 2
    _one_line_error(result)
    assert upstream.received == []


def test_models_table(run_cli):
    result = run_cli("models")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["model", "family", "input", "$/1M", "output", "$/1M", "capabilities"]
    gpt = next(line for line in lines if line.startswith("gpt-4.1 "))
    assert gpt.split() == ["gpt-4.1", "GPT", "$2.00", "$8.00", "vision,", "tools,", "streaming"]
    qwen = next(line for line in lines if line.startswith("qwen-max "))
    assert "vision" not in qwen and "$1.60" in qwen


def test_compare_table_then_answers(run_cli, upstream):
    upstream.script("gpt-4.1", Reply(text="4", prompt_tokens=10, completion_tokens=1))
    upstream.script("gemini-2.0-flash", Reply(text="2+2 is 4", prompt_tokens=10, completion_tokens=4))
    result = run_cli("compare", "--models", "gpt-4.1,gemini-2.0-flash", "--message", "What is 2+2?")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["model", "latency", "tokens", "in+out", "cost", "status"]
    gpt_row = next(line for line in lines if line.startswith("gpt-4.1 "))
    assert "10+1" in gpt_row and "$0.000028" in gpt_row and gpt_row.endswith("ok")
    assert "=== gpt-4.1 ===" in lines and "=== gemini-2.0-flash ===" in lines
    assert lines[lines.index("=== gemini-2.0-flash ===") + 1] == "2+2 is 4"
    assert UsageRecord.objects.count() == 2


def test_compare_shows_a_failed_model_and_still_succeeds(run_cli, upstream):
    upstream.script("claude-3-sonnet", Fail(500), Fail(500))
    result = run_cli("compare", "--models", "gpt-4.1,claude-3-sonnet", "--message", "Hi")
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("claude-3-sonnet "))
    assert "error: upstream_error" in row
    assert "(failed:" in result.stdout


def test_compare_needs_two_models(run_cli, upstream):
    result = run_cli("compare", "--models", "gpt-4.1", "--message", "Hi")
    assert result.returncode == 2
    _one_line_error(result)


def test_usage_this_month(run_cli, upstream, alice):
    upstream.script("gpt-4.1", Reply(text="ok", prompt_tokens=1000, completion_tokens=500))
    assert run_cli("chat", "--model", "gpt-4.1", "--message", "x").returncode == 0
    result = run_cli("usage")
    assert result.returncode == 0, result.stderr
    assert "$0.006 over 1 requests" in result.stdout  # 1000 × $2/M + 500 × $8/M
    row = next(line for line in result.stdout.splitlines() if line.startswith("gpt-4.1 "))
    assert row.split() == ["gpt-4.1", "1", "1000+500", "$0.006"]
    assert "Credits remaining for Acme: $99.994" in result.stdout


def test_auto_routing_reports_the_route(run_cli, upstream):
    result = run_cli("chat", "--model", "auto", "--message", "hi")
    assert result.returncode == 0, result.stderr
    assert "[auto → gpt-4o-mini (fast, general)]" in result.stderr


def test_help_documents_exit_codes(run_cli):
    result = run_cli("--help")
    assert result.returncode == 0
    for line in [
        "3  authentication failed",
        "4  insufficient credits",
        "5  not found",
        "6  rate limited",
        "7  upstream",
    ]:
        assert line in result.stdout


# --- one distinct exit code per failure --------------------------------------------------------


def test_exit_3_on_a_wrong_key(run_cli, upstream):
    result = run_cli("chat", "--model", "gpt-4.1", "--message", "x", key="sk-hub-wrong")
    assert result.returncode == 3
    assert "401 invalid_api_key" in _one_line_error(result)


def test_exit_4_when_credits_run_out(run_cli, upstream, acme):
    Team.objects.filter(pk=acme.pk).update(balance=Decimal("0.0001"))
    result = run_cli("chat", "--model", "gpt-4.1", "--message", "x")
    assert result.returncode == 4
    assert "402 insufficient_credits" in _one_line_error(result)


def test_exit_5_on_an_unknown_model(run_cli, upstream):
    result = run_cli("chat", "--model", "xyz", "--message", "x")
    assert result.returncode == 5
    assert "404 model_not_found: Model 'xyz' is not available" in _one_line_error(result)


def test_exit_6_when_rate_limited(run_cli, upstream):
    upstream.script("gpt-4.1", Fail(429, "slow down", {"Retry-After": "30"}))
    result = run_cli("chat", "--model", "gpt-4.1", "--message", "x")
    assert result.returncode == 6
    assert "429 rate_limit_exceeded" in _one_line_error(result)


@pytest.mark.parametrize("stream", [False, True])
def test_exit_7_when_the_upstream_fails(run_cli, upstream, stream):
    upstream.script("gpt-4.1", Fail(500), Fail(500))
    result = run_cli("chat", "--model", "gpt-4.1", "--message", "x", *(["--stream"] if stream else []))
    assert result.returncode == 7
    assert "502 upstream_error" in _one_line_error(result)


def test_exit_8_when_the_hub_cannot_be_reached(run_cli):
    result = run_cli("models", env={"LLMHUB_BASE_URL": "http://127.0.0.1:9/v1"})
    assert result.returncode == 8
    assert "Cannot reach http://127.0.0.1:9/v1" in _one_line_error(result)


def test_exit_2_on_bad_usage(run_cli):
    result = run_cli("chat", "--model", "gpt-4.1")  # neither --message nor --messages
    assert result.returncode == 2
    assert "one of the arguments --message --messages is required" in result.stderr


def test_exit_2_on_a_400_from_the_hub(run_cli, upstream):
    result = run_cli("chat", "--model", "gpt-4.1", "--message", "x", "--temperature", "7")
    assert result.returncode == 2
    assert "400 invalid_request: 'temperature' must be a number from 0 to 2." in _one_line_error(result)
