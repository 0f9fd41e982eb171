"""Chat uploads per person and hour are bounded in count and bytes (a 429 with a message past either), and
uploads never sent are dropped by age whoever uploads next, or by `manage.py forget_unsent_images`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from chat.models import ChatImage
from tests.chat.test_attachments import PNG, signed_in, upload

pytestmark = pytest.mark.django_db


def test_uploads_past_the_hourly_count_are_refused_for_that_person_only(settings, alice, bob):
    settings.CHAT_UPLOADS_PER_HOUR = 3
    client = signed_in(alice)
    assert [upload(client, PNG).status_code for _ in range(3)] == [201, 201, 201]
    refused = upload(client, PNG)
    assert refused.status_code == 429
    assert "3 images in the last hour" in refused.json()["error"]["message"]
    assert ChatImage.objects.filter(owner=alice.user).count() == 3
    assert upload(signed_in(bob), PNG).status_code == 201


def test_uploads_past_the_hourly_bytes_are_refused(settings, alice):
    settings.CHAT_UPLOAD_MB_PER_HOUR = 1
    big = PNG + b"\x00" * (600 * 1024)  # a real PNG's first bytes, 600 KB
    client = signed_in(alice)
    assert upload(client, big).status_code == 201
    refused = upload(client, big)
    assert refused.status_code == 429 and "1 MB" in refused.json()["error"]["message"]


def test_an_hour_later_uploads_are_allowed_again(settings, alice):
    settings.CHAT_UPLOADS_PER_HOUR = 1
    client = signed_in(alice)
    assert upload(client, PNG).status_code == 201
    ChatImage.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    assert upload(client, PNG).status_code == 201


def test_unsent_uploads_are_dropped_by_age_whoever_uploads_next(alice, bob):
    upload(signed_in(alice), PNG)
    ChatImage.objects.update(created_at=timezone.now() - timedelta(days=2))
    upload(signed_in(bob), PNG)
    assert list(ChatImage.objects.values_list("owner__username", flat=True)) == ["bob"]


def test_the_command_drops_day_old_unsent_uploads_and_keeps_fresh_ones(alice):
    client = signed_in(alice)
    upload(client, PNG)
    ChatImage.objects.update(created_at=timezone.now() - timedelta(days=2))
    upload(client, PNG)
    call_command("forget_unsent_images")
    assert ChatImage.objects.count() == 1
