"""Adding a provider in the admin: a kind from the registry (defaults filled on save) or a custom slug,
a write-only key, a test-connection action against a loopback model list, and structured fallbacks and
price tiers on the model form, each bad input a clear form error (never a 500)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from django.contrib.messages import get_messages

from billing.models import AuditEntry
from llmhub.models import Provider
from tests.loopback import LoopbackServer
from tests.provider_env import clear_provider_env

pytestmark = pytest.mark.django_db
ADD = "/admin/llmhub/provider/add/"


def add_provider(client: Any, **fields: str) -> Any:
    return client.post(ADD, {"enabled": "on", **fields}, secure=True)


def errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 200, response.status_code
    return {name: [str(e) for e in errs] for name, errs in response.context["adminform"].form.errors.items()}


@pytest.fixture
def model_list() -> Iterator[dict[str, Any]]:
    """A loopback upstream answering GET /v1/models (Anthropic-style auth), recording the key it was sent."""
    state: dict[str, Any] = {"status": 200}

    async def models(request: web.Request) -> web.Response:
        state["key"] = request.headers.get("x-api-key")
        if state["status"] != 200:
            return web.json_response({"error": {"message": "invalid x-api-key"}}, status=state["status"])
        return web.json_response({"data": [{"id": "claude-x"}, {"id": "claude-y"}]})

    server = LoopbackServer()
    state["url"] = server.start(lambda: [web.get("/v1/models", models)], "model-list") + "/v1"
    yield state
    server.stop()


def test_a_known_kind_gets_its_default_base_url_and_wire_format_on_save(admin_client, settings):
    clear_provider_env(settings)
    response = add_provider(admin_client, kind="anthropic", api_key="sk-ant-secret")
    assert response.status_code == 302
    row = Provider.objects.get(name="anthropic")
    assert (row.base_url, row.wire_format) == ("https://api.anthropic.com/v1", "anthropic")
    assert row.api_key() == "sk-ant-secret"
    assert AuditEntry.objects.filter(action="provider.create", target_label="anthropic").exists()


def test_a_custom_provider_keeps_its_slug_and_speaks_openai_by_default(admin_client):
    response = add_provider(admin_client, kind="custom", slug="my-gateway", base_url="http://127.0.0.1:9/v1")
    assert response.status_code == 302
    row = Provider.objects.get(name="my-gateway")
    assert (row.base_url, row.wire_format) == ("http://127.0.0.1:9/v1", "openai")


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("My_Gateway", "lowercase letters, digits and dashes"),
        ("", "needs a slug"),
        ("openai", "is a known provider"),
    ],
)
def test_a_bad_custom_slug_is_a_clear_form_error(admin_client, slug, message):
    response = add_provider(admin_client, kind="custom", slug=slug, base_url="http://127.0.0.1:9/v1")
    assert message in " ".join(errors(response)["slug"])
    assert not Provider.objects.filter(base_url="http://127.0.0.1:9/v1").exists()


def test_a_custom_provider_without_a_base_url_is_a_form_error(admin_client):
    assert "needs its base URL" in " ".join(errors(add_provider(admin_client, kind="custom", slug="x1"))["base_url"])


def test_a_duplicate_provider_is_a_form_error(admin_client):
    Provider.objects.create(name="my-gateway", base_url="http://127.0.0.1:9/v1")
    Provider.objects.create(name="openai", base_url="http://127.0.0.1:9/v1")
    dup_custom = add_provider(admin_client, kind="custom", slug="my-gateway", base_url="http://127.0.0.1:8/v1")
    assert "already exists" in " ".join(errors(dup_custom)["slug"])
    assert "already exists" in " ".join(errors(add_provider(admin_client, kind="openai"))["kind"])
    assert Provider.objects.count() == 2


def test_the_api_key_is_never_rendered_back(admin_client):
    row = Provider(name="anthropic", wire_format="anthropic", base_url="http://127.0.0.1:9/v1")
    row.set_api_key("sk-ant-never-shown")
    row.save()
    page = admin_client.get(f"/admin/llmhub/provider/{row.pk}/change/", secure=True).content.decode()
    assert "sk-ant-never-shown" not in page and row.api_key_encrypted not in page
    assert 'type="password"' in page and 'value="anthropic" selected' in page


def test_the_provider_form_loads_its_script_from_a_static_file(admin_client):
    page = admin_client.get(ADD, secure=True).content.decode()
    assert "js/provider_form.js" in page and "data-provider-defaults" in page
    assert "Custom (OpenAI-compatible)" in page


def test_test_connection_reports_the_models_listed(admin_client, settings, model_list):
    clear_provider_env(settings)
    row = Provider(name="anthropic", wire_format="anthropic", base_url=model_list["url"])
    row.set_api_key("sk-ant-loopback")
    row.save()
    response = admin_client.post(
        "/admin/llmhub/provider/", {"action": "test_connection", "_selected_action": [str(row.pk)]}, secure=True
    )
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == "anthropic: connected, 2 models listed."
    assert model_list["key"] == "sk-ant-loopback"


def test_test_connection_reports_a_rejected_key(admin_client, settings, model_list):
    clear_provider_env(settings)
    model_list["status"] = 401
    row = Provider(name="anthropic", wire_format="anthropic", base_url=model_list["url"])
    row.set_api_key("sk-ant-wrong")
    row.save()
    response = admin_client.post(
        "/admin/llmhub/provider/", {"action": "test_connection", "_selected_action": [str(row.pk)]}, secure=True
    )
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("anthropic: connection failed: ") and "401" in message


def test_test_connection_reports_an_unreachable_provider(admin_client, settings):
    clear_provider_env(settings)
    row = Provider.objects.create(name="my-gateway", base_url="http://127.0.0.1:9/v1")
    response = admin_client.post(
        "/admin/llmhub/provider/", {"action": "test_connection", "_selected_action": [str(row.pk)]}, secure=True
    )
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("my-gateway: connection failed: could not reach http://127.0.0.1:9/v1")


def test_the_connection_messages_are_translated(admin_client, settings):
    clear_provider_env(settings)
    row = Provider.objects.create(name="my-gateway", base_url="http://127.0.0.1:9/v1")
    response = admin_client.post(
        "/admin/llmhub/provider/",
        {"action": "test_connection", "_selected_action": [str(row.pk)]},
        secure=True,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("my-gateway：连接失败：")


def test_the_slug_error_is_translated(admin_client):
    response = admin_client.post(
        ADD,
        {"kind": "custom", "slug": "Bad_Slug", "base_url": "http://127.0.0.1:9/v1", "enabled": "on"},
        secure=True,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "只能使用小写字母、数字和连字符" in " ".join(errors(response)["slug"])
    assert "自定义（兼容 OpenAI）" in response.content.decode()


def test_the_provider_setup_page_speaks_chinese_throughout(admin_client):
    # The page's heading, its breadcrumb's section and the switch's label, not only the form's own fields.
    page = admin_client.get(ADD, secure=True, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "增加 提供商" in page
    assert ">网关<" in page
    assert ">启用</label>" in page
    for english in ("Add provider", "Gateway", ">Enabled"):
        assert english not in page
