"""Billing test helpers: a staff user, and `spend(person, cost, ...)` settling a request the real way."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from billing.ledger import UsageDraft, settle_usage
from billing.models import HubKey, UsageRecord
from tests.conftest import Person


@pytest.fixture
def staff(db: Any) -> Person:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("root", "root@example.com", "correct-horse-battery", is_staff=True)
    return Person(user=user, key="")


@pytest.fixture
def spend(db: Any):
    """spend(person, "0.25", model=..., ...) -> the UsageRecord, settled and charged through billing.ledger."""

    def settle(
        person: Person, cost: str, *, model: str = "gpt-4o", provider: str = "openai", **extra: Any
    ) -> UsageRecord:
        key = HubKey.objects.filter(user=person.user).first()
        fields: dict[str, Any] = {
            "request_id": f"req-{uuid.uuid4().hex}",
            "user_id": person.user.pk,
            "team_id": key.team_id,
            "key_id": key.pk,
            "model_requested": model,
            "model_served": model,
            "provider": provider,
            "cost": Decimal(cost),
            "status": "ok",
            "prompt_tokens": 100,
            "completion_tokens": 50,
        }
        fields.update(extra)
        settlement = settle_usage(UsageDraft(**fields))
        return UsageRecord.objects.get(pk=settlement.usage_id)

    return settle


@pytest.fixture(autouse=True)
def _plain_http(settings: Any) -> None:
    """Pages are served over plain http in tests (production redirects them to https)."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
