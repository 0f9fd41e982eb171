"""The sidebar's date groups, in the person's time zone: the boundaries of Today, Yesterday, Previous 7 and
30 days and the months before."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.test import Client
from django.utils import timezone, translation

from chat.models import Conversation
from chat.sidebar import date_key, group_by_date, sidebar_for, zone_named
from tests.chat.conftest import new_conversation

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
TODAY = dt.date(2026, 3, 15)


def at(day: dt.date, hour: int, minute: int = 0, zone: dt.tzinfo = BERLIN) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


@pytest.mark.parametrize(
    ("moment", "key"),
    [
        (at(TODAY, 0, 0), "today"),
        (at(TODAY, 23, 59), "today"),
        (at(TODAY - dt.timedelta(days=1), 23, 59), "yesterday"),
        (at(TODAY - dt.timedelta(days=1), 0, 0), "yesterday"),
        (at(TODAY - dt.timedelta(days=2), 23, 0), "week"),
        (at(TODAY - dt.timedelta(days=7), 0, 0), "week"),
        (at(TODAY - dt.timedelta(days=8), 23, 59), "month"),
        (at(TODAY - dt.timedelta(days=30), 0, 0), "month"),
        (at(TODAY - dt.timedelta(days=31), 23, 59), "2026-02"),
        (at(dt.date(2025, 12, 31), 12), "2025-12"),
        (at(TODAY, 8) + dt.timedelta(days=1), "today"),  # a clock a little ahead: still today
    ],
)
def test_boundaries(moment, key):
    assert date_key(moment, TODAY, BERLIN) == key


def test_midnight_is_the_persons_not_utc():
    # 23:30 UTC on the 14th is 00:30 on the 15th in Berlin: today there, yesterday in UTC.
    moment = dt.datetime(2026, 3, 14, 23, 30, tzinfo=dt.UTC)
    assert date_key(moment, TODAY, BERLIN) == "today"
    assert date_key(moment, TODAY, dt.UTC) == "yesterday"


def test_groups_keep_order_and_skip_empty_ones():
    now = at(TODAY, 12)
    items = [Conversation(id=n, updated_at=now - dt.timedelta(days=days)) for n, days in enumerate([0, 0, 3, 40, 70])]
    with translation.override("en"):
        groups = group_by_date(items, now, BERLIN)
    expected = [("today", 2), ("week", 1), ("2026-02", 1), ("2026-01", 1)]
    assert [(g.key, len(g.conversations)) for g in groups] == expected
    # The months in the hub's English YEAR_MONTH_FORMAT.
    assert [g.label for g in groups] == ["Today", "Previous 7 days", "Feb 2026", "Jan 2026"]


def test_labels_in_chinese():
    now = at(TODAY, 12)
    items = [Conversation(id=1, updated_at=now), Conversation(id=2, updated_at=now - dt.timedelta(days=40))]
    with translation.override("zh-hans"):
        assert [g.label for g in group_by_date(items, now, BERLIN)] == ["今天", "2026年2月"]


@pytest.mark.parametrize("name", ["", "Not/AZone", "../../etc/passwd", "/etc/localtime", "x" * 500, "UTC\x00"])
def test_an_unknown_zone_falls_back_to_the_hubs(name):
    assert zone_named(name) == timezone.get_default_timezone()


def test_a_real_zone_is_used():
    assert zone_named("Asia/Shanghai") == zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
def test_the_sidebar_groups_in_the_given_zone(alice):
    conversation = new_conversation(alice, title="Late night")
    # 00:05 on the 15th in Auckland (UTC+13) is 11:05 on the 14th in UTC.
    moment = dt.datetime(2026, 3, 15, 0, 5, tzinfo=zoneinfo.ZoneInfo("Pacific/Auckland"))
    Conversation.objects.filter(id=conversation.id).update(updated_at=moment)
    noon = dt.datetime(2026, 3, 15, 0, 0, tzinfo=dt.UTC)  # noon in Auckland, midnight in UTC
    assert [g.key for g in sidebar_for(alice.user, zoneinfo.ZoneInfo("Pacific/Auckland"), noon).dated] == ["today"]
    assert [g.key for g in sidebar_for(alice.user, dt.UTC, noon).dated] == ["yesterday"]


@pytest.mark.django_db
def test_the_page_takes_the_zone_from_the_browsers_cookie(alice):
    new_conversation(alice, title="Any")
    client = Client()
    client.force_login(alice.user)
    client.cookies["tz"] = "Pacific/Auckland"
    assert 'data-time-zone="Pacific/Auckland"' in client.get("/", secure=True).content.decode()
    client.cookies["tz"] = "Nowhere/Atlantis"
    assert 'data-time-zone="UTC"' in client.get("/c/list", secure=True).content.decode()
