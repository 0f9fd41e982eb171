"""The ID token checks of single sign-on (billing/sso_provider.ClaimsBackend) on real tokens of the loopback
provider: its RS256 signature against the provider's JWKS, the nonce, the issuer and the audience. A token
signed with another key, with no signature or with the client secret is refused."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import SuspiciousOperation

from billing.sso_provider import ClaimsBackend, discovery
from tests.billing.oidc_provider import ACCOUNTS, CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.django_db


def real_id_token(provider_url: str, redirect_uri: str, nonce: str) -> str:
    """An ID token for dora, got from the provider by the authorization-code flow with PKCE, as the hub does."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    config = discovery()
    params = {
        "client_id": CLIENT_ID, "redirect_uri": redirect_uri, "response_type": "code", "scope": "openid email",
        "state": "s", "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256",
    }  # fmt: skip
    with httpx.Client() as client:
        page = client.get(config["authorization_endpoint"], params=params, follow_redirects=True)
        action = re.search(r'action="([^"]+)"', page.text).group(1)
        answer = client.post(urljoin(str(page.url), action), data={"login": "dora", **_password("dora")})
        while not answer.headers["location"].startswith(redirect_uri):
            answer = client.get(urljoin(str(answer.url), answer.headers["location"]))
        code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
        tokens = client.post(
            config["token_endpoint"],
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                  "code_verifier": verifier},
            auth=(CLIENT_ID, CLIENT_SECRET),
        )  # fmt: skip
    assert provider_url and tokens.status_code == 200, tokens.text
    return str(tokens.json()["id_token"])


def _password(login: str) -> dict[str, str]:
    return {"password": ACCOUNTS[login]["password"]}


@pytest.fixture
def id_token(sso, live_hub):
    return real_id_token(sso.issuer, live_hub.url + "/accounts/sso/callback/", nonce="n-123")


def test_a_real_id_token_verifies_with_its_nonce(id_token, sso):
    payload = ClaimsBackend().verify_token(id_token, nonce="n-123")
    assert payload["sub"] == "dora" and payload["iss"] == sso.issuer and payload["aud"] == CLIENT_ID


def test_a_wrong_nonce_is_refused(id_token):
    with pytest.raises(SuspiciousOperation, match="Nonce"):
        ClaimsBackend().verify_token(id_token, nonce="another")


def test_a_token_for_another_client_is_refused(id_token, settings):
    settings.OIDC_CLIENT_ID = "some-other-app"
    with pytest.raises(SuspiciousOperation, match="another client"):
        ClaimsBackend().verify_token(id_token, nonce="n-123")


def test_a_token_from_another_issuer_is_refused(id_token, settings, sso, monkeypatch):
    from billing import sso_provider

    settings.OIDC_ISSUER_URL = sso.issuer + "/"  # read as the same issuer
    ClaimsBackend().verify_token(id_token, nonce="n-123")
    # A hub configured for another issuer, whose discovery leads to the same keys: only the claim tells them apart.
    document = sso_provider.discovery()
    monkeypatch.setattr(sso_provider, "discovery", lambda: document)
    settings.OIDC_ISSUER_URL = "https://elsewhere.example"
    with pytest.raises(SuspiciousOperation, match="another issuer"):
        ClaimsBackend().verify_token(id_token, nonce="n-123")


def test_a_tampered_payload_is_refused(id_token):
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "alice"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(SuspiciousOperation):
        ClaimsBackend().verify_token(f"{header}.{forged}.{signature}", nonce="n-123")


def test_tokens_signed_with_another_key_or_none_or_the_secret_are_refused(id_token, sso):
    kid = jwt.get_unverified_header(id_token)["kid"]
    claims = {**jwt.decode(id_token, options={"verify_signature": False}), "sub": "alice"}
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for token in (
        jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": kid}),
        jwt.encode(claims, "", algorithm="none", headers={"kid": kid}),
        jwt.encode(claims, CLIENT_SECRET, algorithm="HS256", headers={"kid": kid}),
    ):
        with pytest.raises(SuspiciousOperation):
            ClaimsBackend().verify_token(token, nonce="n-123")
