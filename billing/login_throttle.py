"""Sign-in throttling: after too many wrong passwords for one account, or from one address, sign-in is refused
for a while, the right password included (counters in the shared cache: Redis across workers when set)."""

from __future__ import annotations

import hashlib
import math
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import ngettext


def _keys(request: HttpRequest | None, username: str) -> list[tuple[str, int]]:
    """The counters a sign-in attempt counts against, each with its limit."""
    account = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    found = [(f"login-failures:account:{account}", settings.LOGIN_FAILURES_PER_ACCOUNT)]
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    if address:
        found.append((f"login-failures:address:{address}", settings.LOGIN_FAILURES_PER_ADDRESS))
    return found


def is_locked_out(request: HttpRequest | None, username: str) -> bool:
    counts = cache.get_many([key for key, _ in _keys(request, username)])
    return any(counts.get(key, 0) >= limit for key, limit in _keys(request, username))


def record_failure(request: HttpRequest | None, username: str) -> None:
    """Count one wrong password; a counter lives LOGIN_LOCKOUT_SECONDS from its first failure."""
    for key, _ in _keys(request, username):
        if not cache.add(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def forget_failures(username: str) -> None:
    """A successful sign-in clears its account's count (not its address's: one right password must not
    unlock guessing at every other account from there)."""
    cache.delete(_keys(None, username)[0][0])


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing while the account or the address is locked out."""

    locked_out = False  # the page then shows why (the lockout), not "did not match"

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if is_locked_out(self.request, username):
            self.locked_out = True
            minutes = max(1, math.ceil(settings.LOGIN_LOCKOUT_SECONDS / 60))
            raise forms.ValidationError(
                ngettext(
                    "Too many failed sign-in attempts. Wait %(minutes)s minute, then try again.",
                    "Too many failed sign-in attempts. Wait %(minutes)s minutes, then try again.",
                    minutes,
                )
                % {"minutes": minutes},
                code="locked_out",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            record_failure(self.request, username)
            raise
        forget_failures(username)
        return cleaned
