"""The Django admin's writes in the audit log: a ModelAdmin base that records each row it creates, changes or
deletes, inline rows included, with the fields before and after (read from the database, not the form)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from billing.audit_log import Target, kind_of, record, snapshot, target_of

_M = TypeVar("_M", bound=Model)


def _stored(obj: Model) -> dict[str, Any]:
    """The row as the database still has it (a form has already written its input onto `obj`)."""
    if obj.pk is None:
        return {}
    found = type(obj)._default_manager.filter(pk=obj.pk).first()
    return snapshot(found) if found is not None else {}


def _record_save(actor: Any, obj: Model, before: dict[str, Any]) -> None:
    verb = "change" if before else "create"
    record(actor, f"{kind_of(obj)}.{verb}", obj, before, snapshot(obj))


class AuditedAdmin(admin.ModelAdmin[_M]):
    """Saves and deletes through this admin (its inlines too) each append an audit entry."""

    def save_model(self, request: HttpRequest, obj: _M, form: Any, change: bool) -> None:
        before = _stored(obj)
        super().save_model(request, obj, form, change)
        _record_save(request.user, obj, before)

    def delete_model(self, request: HttpRequest, obj: _M) -> None:
        gone = (kind_of(obj), target_of(obj), snapshot(obj))
        super().delete_model(request, obj)
        _record_deleted(request.user, [gone])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[_M]) -> None:
        gone = [(kind_of(obj), target_of(obj), snapshot(obj)) for obj in queryset]
        super().delete_queryset(request, queryset)
        _record_deleted(request.user, gone)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        stored = {inline.instance.pk: _stored(inline.instance) for inline in formset.forms if inline.instance.pk}
        gone = [
            (kind_of(inline.instance), target_of(inline.instance), stored.get(inline.instance.pk, {}))
            for inline in formset.deleted_forms
            if inline.instance.pk
        ]
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            _record_save(request.user, obj, {})
        for obj, _fields in formset.changed_objects:
            _record_save(request.user, obj, stored.get(obj.pk, {}))
        _record_deleted(request.user, gone)


def _record_deleted(actor: Any, gone: list[tuple[str, Target, dict[str, Any]]]) -> None:
    for kind, target, before in gone:
        record(actor, f"{kind}.delete", target, before)
