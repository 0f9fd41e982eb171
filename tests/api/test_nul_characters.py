"""A NUL character anywhere a client can put one (an id in the path or query, a JSON field, a form field)
is a 400 naming it, on /v1 and on pages, never a 500 (PostgreSQL cannot store or compare a NUL)."""

from __future__ import annotations

import httpx
import pytest
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)


def _get(hub_url, key, path, **params):
    return httpx.get(f"{hub_url}{path}", params=params, headers={"Authorization": f"Bearer {key}"}, timeout=10)


@pytest.mark.parametrize(
    "path,params",
    [
        ("/generation", {"id": "req_\x00abc"}),
        ("/responses/resp_%00abc", {}),
        ("/responses/resp_%00abc/input_items", {}),
        ("/models/gpt-4o%00", {}),
        ("/usage", {"team": "acme\x00"}),
    ],
)
def test_nul_in_an_api_path_or_query_is_a_400(hub_url, alice, path, params):
    response = _get(hub_url, alice.key, path, **params)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "nul_character"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"model": "gpt-4o\u0000", "messages": [{"role": "user", "content": "hi"}]}, "model"),
        ({"model": "gpt-4o", "user": "a\u0000b", "messages": [{"role": "user", "content": "hi"}]}, "user"),
        ({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi\u0000"}]}, "messages[0].content"),
    ],
)
def test_nul_in_a_json_field_is_a_400_naming_it(hub_url, alice, body, field):
    response = httpx.post(
        f"{hub_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {alice.key}"}, timeout=10
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == field


def test_nul_in_a_page_path_or_query_is_a_400(alice):
    client = Client()
    client.force_login(alice.user)
    assert client.get("/requests/req_%00abc/").status_code == 400
    assert client.get("/", {"q": "a\x00b"}).status_code == 400


def test_nul_in_the_sign_in_form_is_a_400(alice):
    response = Client().post("/accounts/login/", {"username": "alice\x00", "password": "x"})
    assert response.status_code == 400
