"""Ops test fixtures: a hub admin (staff)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Person


@pytest.fixture
def staff(db: Any) -> Person:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("root", "root@example.com", "correct-horse-battery", is_staff=True)
    return Person(user=user, key="")


@pytest.fixture(autouse=True)
def _plain_http(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = False
