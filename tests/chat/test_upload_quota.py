"""Chat uploads are bounded per person and per team (its members together): in the last hour by count and bytes
(429 `upload_quota`), and in bytes kept in all (413 `storage_quota`), each with a message. Uploads never sent
are dropped by age whoever uploads next, on every worker's sweeper timer, or by `manage.py
forget_unsent_images`."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from chat.models import ChatImage
from llmhub.gateway import sweeper
from llmhub.infra.db_executor import close_db_connections
from tests.chat.conftest import new_conversation
from tests.chat.test_attachments import PNG, signed_in, upload

pytestmark = pytest.mark.django_db
BIG = PNG + b"\x00" * (600 * 1024)  # a real PNG's first bytes, 600 KB


def age(owner, hours: float) -> None:
    """Date this person's uploads `hours` back: out of the last hour, still kept."""
    ChatImage.objects.filter(owner=owner.user).update(created_at=timezone.now() - timedelta(hours=hours))


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
    client = signed_in(alice)
    assert upload(client, BIG).status_code == 201
    refused = upload(client, BIG)
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


def test_two_members_together_reach_their_teams_hourly_count(settings, alice, bob, charlie):
    settings.CHAT_TEAM_UPLOADS_PER_HOUR = 3
    assert [upload(signed_in(alice), PNG).status_code for _ in range(2)] == [201, 201]
    assert upload(signed_in(bob), PNG).status_code == 201
    refused = upload(signed_in(bob), PNG)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "upload_quota"
    assert "Your team Acme has attached 3 images in the last hour" in refused.json()["error"]["message"]
    assert upload(signed_in(alice), PNG).status_code == 429
    assert upload(signed_in(charlie), PNG).status_code == 201  # another team's quota is its own
    assert ChatImage.objects.filter(owner__memberships__team__slug="acme").count() == 3


def test_two_members_together_reach_their_teams_hourly_megabytes(settings, alice, bob):
    settings.CHAT_TEAM_UPLOAD_MB_PER_HOUR = 1
    assert upload(signed_in(alice), BIG).status_code == 201
    refused = upload(signed_in(bob), BIG)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "upload_quota"
    assert "attached 1 MB of images in the last hour, the most allowed for a team" in refused.json()["error"]["message"]


def test_a_member_who_left_no_longer_counts_for_the_team(settings, alice, bob):
    settings.CHAT_TEAM_UPLOADS_PER_HOUR = 1
    assert upload(signed_in(alice), PNG).status_code == 201
    assert upload(signed_in(bob), PNG).status_code == 429
    alice.user.memberships.all().delete()
    assert upload(signed_in(bob), PNG).status_code == 201


def test_images_kept_past_the_personal_storage_cap_are_refused_with_413(settings, alice, bob):
    settings.CHAT_STORED_MB_PER_PERSON = 1
    client = signed_in(alice)
    assert upload(client, BIG).status_code == 201
    age(alice, hours=2)  # out of the hourly quota, but still kept
    refused = upload(client, BIG)
    assert refused.status_code == 413
    error = refused.json()["error"]
    assert error["code"] == "storage_quota" and error["type"] == "invalid_request_error"
    assert "The images you keep in the chat would pass 1 MB" in error["message"]
    assert upload(signed_in(bob), BIG).status_code == 201  # bob keeps nothing yet


def test_sent_images_count_against_storage_too(settings, alice):
    settings.CHAT_STORED_MB_PER_PERSON = 1
    client = signed_in(alice)
    assert upload(client, BIG).status_code == 201
    message = new_conversation(alice).messages.create(role="user", content="look")
    ChatImage.objects.update(message=message, created_at=timezone.now() - timedelta(days=30))
    assert upload(client, BIG).status_code == 413
    message.conversation.delete()  # deleting the conversation frees the room
    assert upload(client, BIG).status_code == 201


def test_a_teams_members_together_reach_its_storage_cap(settings, alice, bob, charlie):
    settings.CHAT_STORED_MB_PER_TEAM = 1
    assert upload(signed_in(alice), BIG).status_code == 201
    age(alice, hours=2)
    refused = upload(signed_in(bob), BIG)
    assert refused.status_code == 413
    assert refused.json()["error"]["code"] == "storage_quota"
    assert "your team Acme keeps in the chat would pass 1 MB" in refused.json()["error"]["message"]
    assert upload(signed_in(charlie), BIG).status_code == 201


def test_the_quota_message_is_in_chinese_for_a_chinese_page(settings, alice):
    settings.CHAT_STORED_MB_PER_PERSON = 1
    client = signed_in(alice)
    upload(client, BIG)
    picture = SimpleUploadedFile("p.png", BIG, content_type="image/png")
    refused = client.post("/c/images", {"image": picture}, secure=True, headers={"accept-language": "zh-hans"})
    assert refused.status_code == 413
    assert "你在聊天中保存的图片将超过 1 MB" in refused.json()["error"]["message"]


@pytest.mark.django_db(transaction=True)
def test_every_workers_timer_drops_expired_unsent_uploads_without_a_new_upload(alice):
    client = signed_in(alice)
    for _ in range(3):
        upload(client, PNG)
    expired, sent, fresh = ChatImage.objects.order_by("id")
    message = new_conversation(alice).messages.create(role="user", content="look")
    ChatImage.objects.filter(id__in=[expired.id, sent.id]).update(created_at=timezone.now() - timedelta(days=2))
    ChatImage.objects.filter(id=sent.id).update(message=message)

    async def tick_until_gone() -> None:
        sweeper.chores_due_now()
        sweeper.ensure_running()  # the worker's own timer, as the lifespan starts it
        deadline = time.monotonic() + 10
        while await sync_to_async(ChatImage.objects.filter(id=expired.id).exists)() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await sweeper.stop()

    try:
        asyncio.run(tick_until_gone())
    finally:
        close_db_connections()
    assert sorted(ChatImage.objects.values_list("id", flat=True)) == [sent.id, fresh.id]
