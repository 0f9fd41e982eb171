"""Reading the audit log: who sees which entries (staff all, team admins their teams'), the page's filters,
its rows with each change as before → after, and the CSV export."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.access import teams_administered
from billing.audit_log import ACTIONS, FIELD_LABELS, TARGET_TYPES, VALUE_LABELS
from billing.csv_export import spreadsheet_texts
from billing.models import AuditEntry, Team

HUB_WIDE = "none"  # the team filter's value for entries of no team (providers, prices, catalog syncs)
CSV_HEADER = [
    "at_utc", "actor", "team", "action", "target_type", "target_id", "target", "before", "after", "ip", "request_id",
]  # fmt: skip


@dataclass(frozen=True)
class AuditScope:
    """The teams whose entries a person may read; `every_team` (staff) adds every team and hub-wide entries."""

    teams: list[Team]
    every_team: bool


def audit_scope(user: Any) -> AuditScope:
    """Staff read everything, team admins their teams' entries; anyone else gets 403."""
    if user.is_staff:
        return AuditScope(list(Team.objects.order_by("name")), every_team=True)
    teams = list(teams_administered(user).order_by("name"))
    if not teams:
        raise PermissionDenied("The audit log is for team admins and hub admins.")
    return AuditScope(teams, every_team=False)


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=150, label=gettext_lazy("Who"))
    action = forms.ChoiceField(required=False, label=gettext_lazy("Action"))
    team = forms.ChoiceField(required=False, label=gettext_lazy("Team"))
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label=gettext_lazy("From"))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label=gettext_lazy("To"))

    def __init__(self, *args: Any, scope: AuditScope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = cast(dict[str, forms.ChoiceField], self.fields)
        fields["action"].choices = [("", _("Any action")), *((code, label) for code, label in ACTIONS.items())]
        hub_wide = [(HUB_WIDE, _("Hub-wide (providers, prices, catalog)"))] if scope.every_team else []
        fields["team"].choices = [("", _("All teams")), *hub_wide, *((str(t.pk), t.name) for t in scope.teams)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def narrowed(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """The entries the filters select (all of them when the form is empty or invalid)."""
        if not self.is_valid():
            return entries
        data = self.cleaned_data
        if data["actor"].strip():
            entries = entries.filter(actor_label__icontains=data["actor"].strip())
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["team"] == HUB_WIDE:
            entries = entries.filter(team_id__isnull=True)
        elif data["team"]:
            entries = entries.filter(team_id=int(data["team"]))
        if data["start"]:
            entries = entries.filter(at__gte=_midnight(data["start"]))
        if data["end"]:
            entries = entries.filter(at__lt=_midnight(min(data["end"], LATEST) + dt.timedelta(days=1)))
        return entries

    @property
    def is_filtering(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


# Dates outside these are taken as these: 0001-01-01 or 9999-12-31 would overflow once moved to UTC.
EARLIEST, LATEST = dt.date(1970, 1, 1), dt.date(9000, 1, 1)


def _midnight(day: dt.date) -> dt.datetime:
    """The start of a day in the hub's time zone (the days the page's dates mean)."""
    day = min(max(day, EARLIEST), LATEST)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def audit_entries(scope: AuditScope) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if not scope.every_team:
        entries = entries.filter(team_id__in=[team.pk for team in scope.teams])
    return entries.order_by("-at", "-id")


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    action: str
    target_type: str
    changes: list[FieldChange]


def audit_rows(entries: list[AuditEntry]) -> list[AuditRow]:
    return [
        AuditRow(
            entry,
            str(ACTIONS.get(entry.action, entry.action)),
            str(TARGET_TYPES.get(entry.target_type, entry.target_type)),
            field_changes(entry.before, entry.after),
        )
        for entry in entries
    ]


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """Each field the entry names, as before → after in words ("–" where a side has none); a field empty on
    both sides (a new row's blank name) is left out."""
    changes = []
    for name in dict.fromkeys([*after, *before]):
        old, new = _shown(name, before.get(name)), _shown(name, after.get(name))
        if old != "–" or new != "–":
            changes.append(FieldChange(str(FIELD_LABELS.get(name, name)), old, new))
    return changes


def _shown(name: str, value: Any) -> str:
    label = VALUE_LABELS.get(name, {}).get(value) if isinstance(value, str) else None
    return str(label) if label is not None else _words(value)


def _words(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_words(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_words(item)}" for key, item in value.items())
    return str(value)


def audit_csv_rows(entries: QuerySet[AuditEntry]) -> Iterator[list[str]]:
    """One row per entry, before and after as JSON; every text neutralised against spreadsheet formulas."""
    yield CSV_HEADER
    for entry in entries.iterator(chunk_size=2000):
        yield [
            entry.at.astimezone(dt.UTC).isoformat(),
            *spreadsheet_texts(
                entry.actor_label,
                entry.team_label,
                entry.action,
                entry.target_type,
                entry.target_id,
                entry.target_label,
                json.dumps(entry.before, ensure_ascii=False, sort_keys=True),
                json.dumps(entry.after, ensure_ascii=False, sort_keys=True),
                entry.ip or "",
                entry.request_id,
            ),
        ]
