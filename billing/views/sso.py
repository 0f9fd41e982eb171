"""Single sign-on pages: "Sign in with <provider>" (also from an invitation) and the provider's callback. Thin:
billing/sso_provider.py speaks the protocol, billing/sso.py decides who may in; refusals are a human page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from billing import sso_provider
from billing.login_throttle import ThrottledAuthenticationForm
from billing.people import InvitationGone, invitation_for_token
from llmhub.errors import HubError

_INVITATION = "sso_invitation"  # the invitation link's token while the person is at the provider


def _refused(request: HttpRequest, exc: HubError) -> HttpResponse:
    context = {"reason": exc.message, "provider": sso_provider.provider_name()}
    return render(request, "billing/sso_error.html", context, status=exc.status)


@require_GET
def sso_start(request: HttpRequest) -> HttpResponseBase:
    """?invitation=<token> from the invitation page: the invitation's team and role apply after sign-in."""
    if not sso_provider.enabled():
        raise Http404
    token = request.GET.get("invitation", "")
    try:
        if token:
            invitation_for_token(token)
        request.session[_INVITATION] = token
        return sso_provider.start(request)
    except InvitationGone as exc:
        return render(request, "billing/invitation_gone.html", {"reason": exc.message}, status=exc.status)
    except HubError as exc:
        return _refused(request, exc)


@require_GET
def sso_callback(request: HttpRequest) -> HttpResponseBase:
    if not sso_provider.enabled():
        raise Http404
    next_url = request.session.get("oidc_login_next") or "/"  # checked by the library when it was given
    try:
        user = sso_provider.finish(request, invitation_token=request.session.pop(_INVITATION, ""))
    except HubError as exc:
        return _refused(request, exc)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(next_url)


def sso_button() -> dict[str, str]:
    """The "Sign in with <provider>" button's context, empty when single sign-on is off."""
    return {"sso_provider": sso_provider.provider_name()} if sso_provider.enabled() else {}


class SignInPage(LoginView):
    """Django's sign-in page (throttled) with the single sign-on button when it is configured."""

    authentication_form = ThrottledAuthenticationForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), **sso_button()}
