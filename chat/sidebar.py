"""The chat sidebar's list: pinned conversations, then folders, then the rest grouped by date (Today,
Yesterday, Previous 7 days, Previous 30 days, then by month) in the person's time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from chat.models import Conversation, Folder

RECENT_SHOWN = 200  # unfiled, unpinned conversations listed; search finds older ones
FILED_SHOWN = 500
TIME_ZONE_COOKIE = "tz"  # the browser's zone, set by static/js/chat_sidebar.js


@dataclass
class Group:
    key: str
    label: str
    conversations: list[Conversation] = field(default_factory=list)
    folder: Folder | None = None


@dataclass
class Sidebar:
    pinned: list[Conversation]
    folders: list[Group]
    dated: list[Group]
    zone: str

    @property
    def empty(self) -> bool:
        return not self.pinned and not self.dated and not any(g.conversations for g in self.folders)


def zone_named(name: str) -> dt.tzinfo:
    """The browser's IANA zone if it is one, else the hub's (HUB_TIME_ZONE): no person has a saved zone."""
    if name and len(name) <= 64:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass
    return timezone.get_default_timezone()


def date_key(moment: dt.datetime, today: dt.date, zone: dt.tzinfo) -> str:
    """Which group a conversation last active at `moment` falls in, seen on local day `today`."""
    day = moment.astimezone(zone).date()
    age = (today - day).days
    if age <= 0:
        return "today"
    if age == 1:
        return "yesterday"
    if age <= 7:
        return "week"
    if age <= 30:
        return "month"
    return f"{day.year:04d}-{day.month:02d}"


def _label(key: str) -> str:
    fixed = {
        "today": _("Today"),
        "yesterday": _("Yesterday"),
        "week": _("Previous 7 days"),
        "month": _("Previous 30 days"),
    }
    if key in fixed:
        return fixed[key]
    year, month = (int(part) for part in key.split("-"))
    return str(formats.date_format(dt.date(year, month, 1), "YEAR_MONTH_FORMAT"))


def group_by_date(conversations: list[Conversation], now: dt.datetime, zone: dt.tzinfo) -> list[Group]:
    """Newest first in, newest group first out; empty groups are left out."""
    today = now.astimezone(zone).date()
    groups: dict[str, Group] = {}
    for conversation in conversations:
        key = date_key(conversation.updated_at, today, zone)
        if key not in groups:
            groups[key] = Group(key, _label(key))
        groups[key].conversations.append(conversation)
    return list(groups.values())


def sidebar_for(user: Any, zone: dt.tzinfo, now: dt.datetime | None = None) -> Sidebar:
    mine = Conversation.objects.filter(owner=user).only("id", "title", "updated_at", "folder_id", "pinned_at")
    pinned = list(mine.filter(pinned_at__isnull=False).order_by("-pinned_at", "-id"))
    filed = list(mine.filter(pinned_at__isnull=True, folder__isnull=False)[:FILED_SHOWN])
    recent = list(mine.filter(pinned_at__isnull=True, folder__isnull=True)[:RECENT_SHOWN])
    folders = [Group(f"folder-{f.id}", f.name, folder=f) for f in Folder.objects.filter(owner=user)]
    by_folder = {group.folder.id: group for group in folders if group.folder}
    for conversation in filed:
        if conversation.folder_id in by_folder:
            by_folder[conversation.folder_id].conversations.append(conversation)
    return Sidebar(pinned, folders, group_by_date(recent, now or timezone.now(), zone), str(zone))
