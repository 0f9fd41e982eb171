"""The language a person picks follows them: saved with their account by the switch, restored at sign-in.

The switch (Django's set_language) sets the language cookie for this browser; this module also stores the
choice, and a sign-in on another browser finds it in the session and sets that browser's cookie once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from django.utils.decorators import sync_and_async_middleware
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from llmhub.models import PersonSettings

SESSION_KEY = "remembered_language"  # set at sign-in, consumed by the next page


def _supported(code: str) -> bool:
    return code in dict(settings.LANGUAGES)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie, redirect to `next`), and the choice saved for a signed-in person."""
    response = django_set_language(request)
    chosen = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen is not None and _supported(chosen.value) and request.user.is_authenticated:
        PersonSettings.objects.update_or_create(user=request.user, defaults={"language": chosen.value})
    return response


@receiver(user_logged_in)
def restore_language(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    saved = PersonSettings.objects.filter(user=user).values_list("language", flat=True).first()
    if saved and _supported(saved):
        request.session[SESSION_KEY] = saved


def _apply(request: HttpRequest, language: str | None) -> None:
    if language and _supported(language):
        translation.activate(language)
        request.LANGUAGE_CODE = language


def _remember(response: HttpResponseBase, language: str | None) -> None:
    if language and _supported(language):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]  # "Lax" in settings
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )


@sync_and_async_middleware
def remembered_language(get_response: Callable[[HttpRequest], Any]) -> Callable[[HttpRequest], Any]:
    """After sign-in: the saved language for this page (over Accept-Language) and as this browser's cookie.

    Costs nothing on other requests: the session is already loaded for the signed-in user.
    """
    if iscoroutinefunction(get_response):

        async def middleware_async(request: HttpRequest) -> HttpResponseBase:
            session = getattr(request, "session", None)
            language = await session.apop(SESSION_KEY, None) if session is not None else None
            _apply(request, language)
            response: HttpResponseBase = await get_response(request)
            _remember(response, language)
            return response

        return middleware_async

    def middleware(request: HttpRequest) -> HttpResponseBase:
        session = getattr(request, "session", None)
        language = session.pop(SESSION_KEY, None) if session is not None else None
        _apply(request, language)
        response: HttpResponseBase = get_response(request)
        _remember(response, language)
        return response

    return middleware
