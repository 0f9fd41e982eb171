"""Sign-in throttling: wrong passwords for one account, or from one address, lock sign-in for a while, with a
message in the visitor's language; the right password before the limit still signs in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_earlier_failures(settings: Any) -> Iterator[None]:
    settings.LOGIN_FAILURES_PER_ACCOUNT = 5
    settings.LOGIN_FAILURES_PER_ADDRESS = 12
    cache.clear()
    yield
    cache.clear()


def _sign_in(username: str, password: str, address: str = "10.0.0.1", language: str = "en") -> Any:
    return Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language).post(
        "/accounts/login/", {"username": username, "password": password}
    )


def _signed_in(response: Any) -> bool:
    return bool(response.status_code == 302)


def test_right_password_after_a_few_wrong_ones_still_signs_in(alice):
    for _ in range(4):
        assert not _signed_in(_sign_in("alice", "wrong"))
    assert _signed_in(_sign_in("alice", alice.password))


def test_many_wrong_passwords_lock_the_account_even_for_the_right_one(alice):
    for _ in range(5):
        _sign_in("alice", "wrong")
    refused = _sign_in("alice", alice.password)
    assert not _signed_in(refused)
    assert "Too many failed sign-in attempts. Wait 15 minutes" in refused.content.decode()


def test_locked_account_is_locked_from_every_address(alice):
    for n in range(5):
        _sign_in("alice", "wrong", address=f"10.0.1.{n}")
    assert not _signed_in(_sign_in("ALICE", alice.password, address="10.0.2.1"))


def test_many_wrong_passwords_from_one_address_lock_that_address_only(alice, bob):
    for n in range(12):
        _sign_in(f"someone{n}", "wrong", address="10.0.0.9")
    assert not _signed_in(_sign_in("bob", bob.password, address="10.0.0.9"))
    assert _signed_in(_sign_in("bob", bob.password, address="10.0.0.10"))


def test_a_successful_sign_in_clears_the_accounts_count(alice):
    for _ in range(4):
        _sign_in("alice", "wrong")
    assert _signed_in(_sign_in("alice", alice.password))
    for _ in range(4):
        _sign_in("alice", "wrong")
    assert _signed_in(_sign_in("alice", alice.password))


def test_lockout_message_is_in_chinese_for_a_chinese_browser(alice):
    for _ in range(5):
        _sign_in("alice", "wrong")
    refused = _sign_in("alice", alice.password, language="zh-Hans")
    assert "登录失败次数过多" in refused.content.decode()
