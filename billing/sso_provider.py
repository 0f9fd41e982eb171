"""The OpenID Connect protocol through mozilla-django-oidc: settings from OIDC_* (billing/sso.py's inputs), the
provider's endpoints from its discovery document, the sign-in redirect (state, nonce, PKCE S256) and the callback's
checks (state, code exchange, the ID token's signature against the provider's JWKS, nonce, issuer, audience)."""

from __future__ import annotations

import threading
import time
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from billing import sso
from llmhub.errors import HubError

DISCOVERY_SECONDS = 300  # a provider's endpoints are read again this often (keys rotate at the JWKS, read each time)
# The library's setting names, answered from the provider's discovery document.
_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
_discovered: dict[str, tuple[float, dict[str, Any]]] = {}
_discovery_lock = threading.Lock()


class SsoFailed(HubError):
    """Sign-in with the provider did not complete: a bad or replayed callback (400), the provider unreachable or
    answering nonsense (502)."""

    status = 400
    code = "sso_failed"
    type = "invalid_request_error"


def enabled() -> bool:
    return bool(settings.OIDC_ISSUER_URL and settings.OIDC_CLIENT_ID)


def issuer() -> str:
    return str(settings.OIDC_ISSUER_URL).rstrip("/")


def provider_name() -> str:
    return str(settings.OIDC_PROVIDER_NAME)


def unreachable() -> SsoFailed:
    message = _("%(provider)s could not be reached. Try again in a minute.") % {"provider": provider_name()}
    return SsoFailed(message, status=502, code="sso_provider_unreachable")


def discovery() -> dict[str, Any]:
    """The provider's discovery document (cached a few minutes); its issuer must be the configured one."""
    expected = issuer()
    now = time.monotonic()
    cached = _discovered.get(expected)
    if cached is not None and now - cached[0] < DISCOVERY_SECONDS:
        return cached[1]
    with _discovery_lock:
        try:
            answer = requests.get(f"{expected}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT)
            answer.raise_for_status()
            document = answer.json()
        except (requests.RequestException, ValueError) as exc:
            raise unreachable() from exc
        if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != expected:
            raise unreachable()
        if any(not isinstance(document.get(key), str) for key in _ENDPOINTS.values()):
            raise unreachable()
        _discovered[expected] = (now, document)
        return document


def forget_discovery() -> None:
    _discovered.clear()


def library_setting(name: str, *default: Any) -> Any:
    """What mozilla-django-oidc reads as a setting, from the hub's OIDC_* settings and the discovery document."""
    if name in _ENDPOINTS:
        return discovery()[_ENDPOINTS[name]]
    algorithm = settings.OIDC_SIGN_ALGO
    if name == "OIDC_RP_SIGN_ALGO" and not algorithm.startswith(("RS", "ES")):
        raise ImproperlyConfigured("OIDC_SIGN_ALGO must be an RS* or ES* algorithm (checked against the JWKS)")
    hub = {
        "OIDC_RP_CLIENT_ID": settings.OIDC_CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": settings.OIDC_CLIENT_SECRET,
        "OIDC_RP_SCOPES": settings.OIDC_SCOPES,
        "OIDC_RP_SIGN_ALGO": algorithm,
        "OIDC_RP_IDP_SIGN_KEY": None,  # always the provider's published keys
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
        "OIDC_TOKEN_USE_BASIC_AUTH": True,  # the secret in the Authorization header, not the form body
        "OIDC_TIMEOUT": settings.OIDC_TIMEOUT,
        "OIDC_ALLOW_UNSECURED_JWT": False,
        "OIDC_VERIFY_SSL": True,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "billing-sso-callback",
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_STORE_ID_TOKEN": False,
    }
    if name in hub:
        return hub[name]
    return import_from_settings(name, *default)


class SignInRedirect(OIDCAuthenticationRequestView):
    """To the provider's sign-in page, with a fresh state, nonce and PKCE challenge kept in the session."""

    get_settings = staticmethod(library_setting)


class ClaimsBackend(OIDCAuthenticationBackend):
    """The code exchanged for tokens and the ID token verified by the library; here also its issuer and audience,
    and the person they name handed to billing/sso.py. Not in AUTHENTICATION_BACKENDS: only the callback calls it."""

    get_settings = staticmethod(library_setting)

    def __init__(self, invitation_token: str = "") -> None:
        super().__init__()
        self.invitation_token = invitation_token

    def verify_token(self, token: Any, **kwargs: Any) -> Any:
        if not isinstance(token, str):
            raise SuspiciousOperation("the token answer has no ID token")
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if str(payload.get("iss", "")).rstrip("/") != issuer():
            raise SuspiciousOperation("ID token from another issuer")
        if self.OIDC_RP_CLIENT_ID not in audiences or not payload.get("sub"):
            raise SuspiciousOperation("ID token for another client, or naming nobody")
        if len(audiences) > 1 and payload.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token authorised for another client")
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(userinfo, dict) or userinfo.get("sub") != payload.get("sub"):
            raise SsoFailed(_("%(provider)s answered for someone else.") % {"provider": provider_name()}, status=502)
        claims = {**payload, **userinfo}
        return sso.sign_in(claims=claims, issuer=issuer(), invitation_token=self.invitation_token)


def start(request: HttpRequest) -> HttpResponseBase:
    """The redirect to the provider (SsoFailed 502 when its discovery document cannot be read)."""
    response: HttpResponseBase = SignInRedirect.as_view()(request)
    return response


def _taken_state(request: HttpRequest) -> dict[str, Any]:
    """The state's nonce and PKCE verifier, removed from the session so a callback cannot be replayed."""
    state = request.GET.get("state", "")
    pending = request.session.get("oidc_states") or {}
    if not state or state not in pending:
        raise SsoFailed(_("This sign-in link is stale or was not started here. Sign in again."), code="sso_state")
    taken = pending.pop(state)
    request.session["oidc_states"] = pending
    request.session.save()
    return taken if isinstance(taken, dict) else {}


def finish(request: HttpRequest, invitation_token: str = "") -> Any:
    """The person the provider's callback vouches for (their account made, linked and given teams as mapped).
    SsoFailed for an error from the provider, a missing code, an unknown state or a token that does not verify;
    SsoRefused (billing/sso.py) when the hub will not let them in."""
    name = {"provider": provider_name()}
    if request.GET.get("error"):
        (request.session.get("oidc_states") or {}).pop(request.GET.get("state", ""), None)  # no replay either way
        request.session.modified = True
        raise SsoFailed(_("%(provider)s did not sign you in (it said: %(reason)s).") % {
            **name, "reason": request.GET.get("error_description") or request.GET["error"]}, code="sso_denied")  # fmt: skip
    if not request.GET.get("code"):
        raise SsoFailed(_("%(provider)s sent you back without a sign-in code. Sign in again.") % name)
    pending = _taken_state(request)
    backend = ClaimsBackend(invitation_token)
    try:
        user = backend.authenticate(request, nonce=pending.get("nonce"), code_verifier=pending.get("code_verifier"))
    except requests.HTTPError as exc:  # the token endpoint refused the code (used, expired, wrong verifier)
        status = exc.response.status_code if exc.response is not None else 502
        raise SsoFailed(_("%(provider)s did not accept this sign-in. Sign in again.") % name,
                        status=400 if 400 <= status < 500 else 502) from exc  # fmt: skip
    except (requests.RequestException, ValueError) as exc:
        raise unreachable() from exc
    except (SuspiciousOperation, jwt.PyJWTError, KeyError) as exc:
        raise SsoFailed(_("%(provider)s's answer could not be verified. Sign in again.") % name, status=502) from exc
    if user is None:
        raise SsoFailed(_("%(provider)s's answer could not be verified. Sign in again.") % name, status=502)
    return user
