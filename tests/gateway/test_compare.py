"""POST /v1/compare: one prompt to 2–4 models concurrently, each call metered and charged on its own."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from billing.models import CreditLedgerEntry, UsageRecord
from tests.fake_upstream import Fail, Reply, Stall

pytestmark = pytest.mark.django_db(transaction=True)


def _compare(hub_url, key, body, **kwargs):
    return httpx.post(f"{hub_url}/compare", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=20, **kwargs)


def test_each_model_answers_with_latency_tokens_and_cost(hub_url, upstream, alice, acme):
    upstream.script("gpt-4.1", Reply(text="Four.", prompt_tokens=10, completion_tokens=2))
    upstream.script("gemini-2.0-flash", Reply(text="2+2=4", prompt_tokens=10, completion_tokens=5))
    response = _compare(hub_url, alice.key, {"models": ["gpt-4.1", "gemini-2.0-flash"], "message": "What is 2+2?"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["model"] for r in results] == ["gpt-4.1", "gemini-2.0-flash"]
    gpt, gemini = results
    assert gpt["response"] == "Four." and gemini["response"] == "2+2=4"
    assert Decimal(str(gpt["cost"])) == Decimal("0.000036")  # 10 × $2/M + 2 × $8/M
    assert Decimal(str(gemini["cost"])) == Decimal("0.000003")  # 10 × $0.10/M + 5 × $0.40/M
    assert gpt["usage"]["total_tokens"] == 12 and gpt["latency"] > 0
    records = {r.model_served: r for r in UsageRecord.objects.all()}
    assert {records["gpt-4.1"].request_id, records["gemini-2.0-flash"].request_id} == {
        gpt["request_id"],
        gemini["request_id"],
    }
    assert CreditLedgerEntry.objects.filter(kind="charge").count() == 2
    acme.refresh_from_db()
    assert acme.balance == Decimal("100") - Decimal("0.000039") and acme.reserved == 0


def test_messages_and_parameters_go_to_every_model(hub_url, upstream, alice):
    conversation = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    body = {"models": ["gpt-4o", "qwen-max", "deepseek-chat"], "messages": conversation, "temperature": 0.3}
    assert _compare(hub_url, alice.key, body).status_code == 200
    sent = {r.body["model"]: r.body for r in upstream.requests_for("/chat/completions")}
    assert set(sent) == {"gpt-4o", "qwen-max", "deepseek-chat"}
    assert all(b["messages"] == conversation and b["temperature"] == 0.3 for b in sent.values())


def test_one_model_failing_is_its_own_error(hub_url, upstream, alice, acme):
    upstream.script("claude-3-sonnet", Fail(500), Fail(500))
    response = _compare(hub_url, alice.key, {"models": ["gpt-4.1", "claude-3-sonnet"], "message": "Hi"})
    assert response.status_code == 200
    ok, failed = response.json()["results"]
    assert ok["response"] == "Hello from fake gpt-4.1."
    assert failed["error"]["code"] == "upstream_error" and {"message", "type"} <= set(failed["error"])
    assert failed["status"] == 502 and "response" not in failed
    record = UsageRecord.objects.get(model_requested="claude-3-sonnet")
    assert record.status == "error" and record.cost == 0 and record.request_id == failed["request_id"]
    acme.refresh_from_db()
    assert acme.reserved == 0


def test_an_unknown_model_is_a_per_model_404(hub_url, upstream, alice):
    response = _compare(hub_url, alice.key, {"models": ["gpt-4.1", "nope-9"], "message": "Hi"})
    assert response.status_code == 200
    assert response.json()["results"][1]["error"]["code"] == "model_not_found"


def test_models_are_called_concurrently(hub_url, upstream, alice):
    # Each upstream takes 1 s to answer. Called one after the other, the second request would reach the
    # upstream only after the first's answer, 1 s or more after it; called together, both arrive before
    # either answers, however busy the machine is (no wall-clock budget for the whole call).
    upstream.script("gpt-4.1", Stall(1.0, Reply(text="a")))
    upstream.script("gpt-4o", Stall(1.0, Reply(text="b")))
    response = _compare(hub_url, alice.key, {"models": ["gpt-4.1", "gpt-4o"], "message": "Hi"})
    assert response.status_code == 200
    first, second = sorted(r.at for r in upstream.requests_for("/chat/completions"))
    assert second - first < 1.0


def test_charlie_pays_for_his_own_comparison(hub_url, upstream, alice, charlie, acme, globex):
    assert _compare(hub_url, charlie.key, {"models": ["gpt-4.1", "gpt-4o"], "message": "Hi"}).status_code == 200
    assert set(UsageRecord.objects.values_list("team__slug", flat=True)) == {"globex"}
    acme.refresh_from_db()
    assert acme.balance == Decimal("100")


@pytest.mark.parametrize(
    "body,param",
    [
        ([1, 2], None),
        ({"message": "Hi"}, "models"),
        ({"models": "gpt-4.1,gpt-4o", "message": "Hi"}, "models"),
        ({"models": ["gpt-4.1"], "message": "Hi"}, "models"),
        ({"models": ["a", "b", "c", "d", "e"], "message": "Hi"}, "models"),
        ({"models": ["gpt-4.1", "gpt-4.1"], "message": "Hi"}, "models"),
        ({"models": ["gpt-4.1", 5], "message": "Hi"}, "models"),
        ({"models": ["gpt-4.1", ""], "message": "Hi"}, "models"),
        ({"models": ["gpt-4.1", "gpt-4o"], "message": ""}, "message"),
        ({"models": ["gpt-4.1", "gpt-4o"], "message": ["Hi"]}, "message"),
        ({"models": ["gpt-4.1", "gpt-4o"], "message": "Hi", "messages": []}, "message"),
        ({"models": ["gpt-4.1", "gpt-4o"]}, "messages"),
        ({"models": ["gpt-4.1", "gpt-4o"], "messages": [{"role": "wizard", "content": "x"}]}, "messages[0].role"),
        ({"models": ["gpt-4.1", "gpt-4o"], "message": "Hi", "stream": True}, "stream"),
        ({"models": ["gpt-4.1", "gpt-4o"], "message": "Hi", "model": "gpt-4.1"}, "model"),
        ({"models": ["gpt-4.1", "gpt-4o"], "message": "Hi", "temperature": 9}, "temperature"),
    ],
)
def test_hostile_input_is_a_400_naming_the_field(hub_url, upstream, alice, body, param):
    response = _compare(hub_url, alice.key, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error.get("param") == param
    assert upstream.received == [] and UsageRecord.objects.count() == 0


def test_malformed_json_wrong_method_and_no_key(hub_url, upstream, alice):
    headers = {"Authorization": f"Bearer {alice.key}", "Content-Type": "application/json"}
    broken = httpx.post(f"{hub_url}/compare", content=b'{"models": [', headers=headers, timeout=10)
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "invalid_json"
    assert httpx.get(f"{hub_url}/compare", headers=headers, timeout=10).status_code == 405
    anonymous = httpx.post(f"{hub_url}/compare", json={"models": ["gpt-4.1", "gpt-4o"], "message": "x"}, timeout=10)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "missing_api_key"
